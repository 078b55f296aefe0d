"""Rate limits for votes and reports: fixed windows counted in the cache (Redis).

Fails open: votes matter more than limits, so when Redis is unreachable the limits are
skipped (logged once) rather than turning votes into errors. After a cache error the
cache is not tried again for CIRCUIT_SECONDS, so a dead Redis costs one socket timeout
per worker every few seconds instead of one per request.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

CIRCUIT_SECONDS = 10.0
_circuit_open_until = 0.0


@dataclass(frozen=True)
class Rate:
    limit: int  # requests allowed per window; 0 turns the limit off
    window: int  # seconds


class RateLimited(Exception):
    """Too many requests; `retry_after` is whole seconds until the window resets."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"too many requests: try again in {self.retry_after} s")


def _rates(action: str) -> dict[str, Rate]:
    window = settings.RATE_LIMIT_WINDOW_SECONDS
    if action == "report":
        return {"voter": Rate(settings.REPORT_RATE_PER_VOTER, window)}
    return {
        "voter": Rate(settings.VOTE_RATE_PER_VOTER, window),
        "ip": Rate(settings.VOTE_RATE_PER_IP, window),
    }


def rate_limit_check(*, action: str, voter: str, ip_hash: str) -> None:
    """Count one `action` ("vote" or "report") for the voter and the IP hash.

    Raises RateLimited when either is over its limit for the current window.
    """
    global _circuit_open_until
    if time.monotonic() < _circuit_open_until:
        return
    now = time.time()
    identities = {"voter": voter, "ip": ip_hash}
    counters = []  # (key, rate, window start)
    for kind, rate in _rates(action).items():
        if rate.limit > 0 and identities[kind]:
            window_start = math.floor(now / rate.window) * rate.window
            key = f"rl:{action}:{kind}:{identities[kind]}:{window_start}"
            counters.append((key, rate, window_start))
    if not counters:
        return
    try:
        counts = _count_all([(key, rate.window) for key, rate, _ in counters])
    except Exception as exc:  # any cache failure: fail open, see the module docstring
        _circuit_open_until = time.monotonic() + CIRCUIT_SECONDS
        logger.warning(
            "rate limits skipped for %.0f s: cache unavailable (%s)", CIRCUIT_SECONDS, exc
        )
        return
    for count, (_, rate, window_start) in zip(counts, counters, strict=True):
        if count > rate.limit:
            raise RateLimited(math.ceil(window_start + rate.window - now))


def _count_all(keys: list[tuple[str, int]]) -> list[int]:
    """Count one hit on each (key, window), creating a key with its expiry on first use.

    On Redis, one round trip for all of them: SET NX EX + INCR per key in one MULTI/EXEC
    (Django's cache.incr costs two round trips a key, EXISTS then INCR). Otherwise (a
    cache backend without a Redis client) through the cache API, key by key.
    """
    backend: Any = getattr(cache, "_cache", None)  # Django's RedisCacheClient, if Redis
    if not hasattr(backend, "get_client"):
        return [_count(key, window) for key, window in keys]
    pipe = backend.get_client(write=True).pipeline(transaction=True)
    for key, window in keys:
        name = cache.make_and_validate_key(key)
        pipe.set(name, 0, ex=window + 1, nx=True)
        pipe.incr(name)
    return pipe.execute()[1::2]


def _count(key: str, window: int) -> int:
    """Increment the window's counter, creating it (with an expiry) on first use."""
    try:
        return cache.incr(key)
    except ValueError:  # no such key yet
        if cache.add(key, 1, timeout=window + 1):
            return 1
        return cache.incr(key)  # another request created it in between


def rate_limit_reset() -> None:
    """Close the circuit (tests that bring the cache back)."""
    global _circuit_open_until
    _circuit_open_until = 0.0
