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
    try:
        for kind, rate in _rates(action).items():
            if rate.limit <= 0 or not identities[kind]:
                continue
            window_start = math.floor(now / rate.window) * rate.window
            key = f"rl:{action}:{kind}:{identities[kind]}:{window_start}"
            if _count(key, rate.window) > rate.limit:
                raise RateLimited(math.ceil(window_start + rate.window - now))
    except RateLimited:
        raise
    except Exception as exc:  # any cache failure: fail open, see the module docstring
        _circuit_open_until = time.monotonic() + CIRCUIT_SECONDS
        logger.warning(
            "rate limits skipped for %.0f s: cache unavailable (%s)", CIRCUIT_SECONDS, exc
        )


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
