"""A small in-process map whose entries lapse after a given number of seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["Expiring"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_SWEEP_AT = 1000  # entries before lapsed ones are swept out on the next put


class Expiring(Generic[K, V]):
    def __init__(self) -> None:
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, key: K, value: V, seconds: float) -> None:
        if seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= _SWEEP_AT:
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
            self._entries[key] = (now + seconds, value)

    def forget_all(self) -> None:
        with self._lock:
            self._entries = {}
