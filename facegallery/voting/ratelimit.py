"""Rate limits for votes and reports: moving windows in Redis, kept by the `limits` library.

Each action is limited per voter, per IP address and per IP prefix (IPv4 /24, IPv6 /64:
one client rotating its addresses is still one prefix); settings VOTE_RATE_* and
REPORT_RATE_* per RATE_LIMIT_WINDOW_SECONDS. A moving window counts the hits of the last
window whenever the request comes, so a burst across a minute boundary gets no second
allowance, as it did with fixed windows. A refused request is not counted.

Fails open: votes matter more than limits, so when Redis is unreachable the limits are
skipped (logged once) rather than turning votes into errors. After a storage error the
limits are not tried again for CIRCUIT_SECONDS, so a dead Redis costs one socket timeout
per worker every few seconds instead of one per request. What a voter is and how much it
counts do not depend on Redis (voting/voters.py, PostgreSQL).

The limiter uses the cache's Redis connection pool (CACHES["default"], with its short
socket timeouts); a cache without Redis falls back to limits' in-process memory storage.

One round trip: with Redis, the three windows are checked and taken by one Lua script
(_HIT_ALL) on the lists `limits` keeps (same keys, same layout: newest timestamp first,
trimmed to the limit), so the answer and Retry-After cost one call instead of three to
four, and a refused request is counted in none of the windows.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)

CIRCUIT_SECONDS = 10.0
KEY_PREFIX = "rl"
_circuit_open_until = 0.0
_limiters: dict[int, MovingWindowRateLimiter] = {}  # by connection pool (one per process)


class RateLimited(Exception):
    """Too many requests; `retry_after` is whole seconds until one more is allowed."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"too many requests: try again in {self.retry_after} s")


def _limits(action: str) -> dict[str, int]:
    """Requests allowed per window, by identity kind (0 turns one off)."""
    if action == "report":
        return {
            "voter": settings.REPORT_RATE_PER_VOTER,
            "ip": settings.REPORT_RATE_PER_IP,
            "prefix": settings.REPORT_RATE_PER_PREFIX,
        }
    return {
        "voter": settings.VOTE_RATE_PER_VOTER,
        "ip": settings.VOTE_RATE_PER_IP,
        "prefix": settings.VOTE_RATE_PER_PREFIX,
    }


def _limiter() -> MovingWindowRateLimiter:
    backend: Any = getattr(cache, "_cache", None)  # Django's RedisCacheClient, if Redis
    # get_client(write=True)'s pool, without the Redis client object get_client builds on
    # every call (a third of a millisecond of CPU, per vote).
    pool = backend._get_connection_pool(True) if hasattr(backend, "_get_connection_pool") else None
    limiter = _limiters.get(id(pool))
    if limiter is None:
        storage: Storage = (
            MemoryStorage()
            if pool is None
            else RedisStorage(settings.REDIS_URL, connection_pool=pool, key_prefix=KEY_PREFIX)
        )
        limiter = _limiters[id(pool)] = MovingWindowRateLimiter(storage)
    return limiter


def rate_limit_check(
    *,
    action: str,
    voter: str,
    ip_hash: str,
    ip_prefix_hash: str = "",
    limits: dict[str, int] | None = None,
) -> None:
    """Count one `action` ("vote" or "report") for the voter, the IP hash and the IP prefix
    hash; raise RateLimited when any of them is over its limit for the moving window.

    `limits`: requests allowed per window by identity kind ("voter", "ip", "prefix"), for an
    action other than votes and reports (e.g. generation's primed drawings)."""
    global _circuit_open_until
    if time.monotonic() < _circuit_open_until:
        return
    identities = {"voter": voter, "ip": ip_hash, "prefix": ip_prefix_hash}
    window = settings.RATE_LIMIT_WINDOW_SECONDS
    checks: list[tuple[RateLimitItem, tuple[str, ...]]] = [
        (RateLimitItemPerSecond(limit, window), (action, kind, identities[kind]))
        for kind, limit in (_limits(action) if limits is None else limits).items()
        if limit > 0 and identities[kind]
    ]
    if not checks:
        return
    try:
        limiter = _limiter()
        storage = limiter.storage
        if isinstance(storage, RedisStorage):
            _hit_all(storage, checks, window)
            return
        for item, identifiers in checks:
            if not limiter.hit(item, *identifiers):
                reset = limiter.get_window_stats(item, *identifiers).reset_time
                raise RateLimited(math.ceil(reset - time.time()))
    except RateLimited:
        raise
    except Exception as exc:  # any storage failure: fail open, see the module docstring
        _circuit_open_until = time.monotonic() + CIRCUIT_SECONDS
        logger.warning(
            "rate limits skipped for %.0f s: limits storage unavailable (%s)", CIRCUIT_SECONDS, exc
        )


# KEYS: the windows' lists; ARGV: now, window seconds, then each key's limit. Full when the
# limit-th newest entry is still inside the window (what limits' acquire script tests);
# then Retry-After runs until that entry leaves it (limits' get_window_stats reset time).
_HIT_ALL_LUA = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
    local entry = redis.call('lindex', key, tonumber(ARGV[i + 2]) - 1)
    if entry and tonumber(entry) >= now - window then
        return tostring(tonumber(entry) + window)
    end
end
for i, key in ipairs(KEYS) do
    redis.call('lpush', key, ARGV[1])
    redis.call('ltrim', key, 0, tonumber(ARGV[i + 2]) - 1)
    redis.call('expire', key, window)
end
return false
"""
_scripts: dict[int, Any] = {}  # the registered script, by storage (one per process)


def _hit_all(
    storage: RedisStorage, checks: list[tuple[RateLimitItem, tuple[str, ...]]], window: int
) -> None:
    """Take one hit in every window, or in none and raise RateLimited (one round trip)."""
    client: Any = storage.get_connection()  # redis.Redis (the stubs name a protocol)
    script = _scripts.get(id(storage))
    if script is None:
        script = _scripts[id(storage)] = client.register_script(_HIT_ALL_LUA)
    keys = [storage.prefixed_key(item.key_for(*identifiers)) for item, identifiers in checks]
    now = time.time()
    reset = script(keys, [now, window, *(item.amount for item, _ in checks)], client=client)
    if reset:
        raise RateLimited(math.ceil(float(reset) - time.time()))


def rate_limit_reset() -> None:
    """Close the circuit and forget the limiters (tests that bring the cache back)."""
    global _circuit_open_until
    _circuit_open_until = 0.0
    _limiters.clear()
    _scripts.clear()
