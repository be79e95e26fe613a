"""API keys this process resolved a moment ago: a request with one skips the lookup.

Resolving a key is a query on every request, the largest part of what a cached read costs
(``bench/production.py``). An entry lives ``IHUB_AUTH_CACHE_SECONDS`` (0 turns this off) and
never past the key's own expiry. A revoke forgets every entry of this process when it
commits; another API process notices within those seconds. Only keys that resolved are kept,
so unknown tokens cannot grow the table.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from ihub.tenants.auth import Principal

__all__ = ["KnownKeys", "principals"]

V = TypeVar("V")
_SWEEP_AT = 1000  # entries before expired ones are swept out on the next put


class KnownKeys(Generic[V]):
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> V | None:
        entry = self._entries.get(token_hash)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, token_hash: str, value: V, seconds: float) -> None:
        if seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= _SWEEP_AT:
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
            self._entries[token_hash] = (now + seconds, value)

    def forget_all(self) -> None:
        with self._lock:
            self._entries = {}


principals: KnownKeys[Principal] = KnownKeys()
