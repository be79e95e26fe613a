"""A client-side rate limit per external account, shared by every worker process.

Built on the ``limits`` library (moving window). With a ``redis://`` storage every process
that talks to the same account shares one window; with ``memory://`` the window is per
process, which is exact for the single-process installation and an upper bound per worker
otherwise.
"""

from __future__ import annotations

import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

__all__ = ["Throttle"]

_NAMESPACE = "ihub-outbound"


@lru_cache
def _limiter(storage_url: str) -> MovingWindowRateLimiter:
    # One storage per URL and process, so that every client of an account shares its window.
    return MovingWindowRateLimiter(storage_from_string(storage_url))


class Throttle:
    """Blocks until the account may send one more request.

    Args:
        limit: a ``limits`` expression such as ``"10/second"`` or ``"45 per 3 seconds"``.
        key: the external account, e.g. ``"onec:<connection id>"``.
        storage_url: ``memory://`` or ``redis://host:port/db``.
    """

    def __init__(
        self,
        limit: str,
        key: str,
        storage_url: str = "memory://",
    ) -> None:
        self.item: RateLimitItem = parse(limit)
        self.key = key
        self._limiter = _limiter(storage_url)

    def acquire(self) -> float:
        """Take one slot, waiting as long as needed; returns the seconds waited."""
        waited = 0.0
        while not self._limiter.hit(self.item, _NAMESPACE, self.key):
            reset_at = self._limiter.get_window_stats(self.item, _NAMESPACE, self.key).reset_time
            pause = min(max(reset_at - time.time(), 0.01), float(self.item.get_expiry()))
            time.sleep(pause)
            waited += pause
        return waited
