"""Server-side rate limits on top of the ``limits`` library (moving window)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, storage_url: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self.local = storage_url.startswith("memory://")  # counting does no I/O

    def hit(self, limit: str, *keys: str) -> int | None:
        """Count one hit; return the seconds to wait when over the limit, else None."""
        item = parse(limit)
        if self._limiter.hit(item, *keys):
            return None
        reset_at = self._limiter.get_window_stats(item, *keys).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def clear(self, limit: str, *keys: str) -> None:
        self._limiter.clear(parse(limit), *keys)
