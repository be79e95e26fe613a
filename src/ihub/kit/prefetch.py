"""Read ahead: produce the next items in a thread while the caller works on the current one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")
_POLL = 0.1  # how often a blocked producer checks whether the consumer went away


def prefetched(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order while a worker thread fetches up to ``depth`` ahead.

    An exception in the producer is raised in the consumer at the position it happened.
    When the consumer stops early (``break``, an exception, ``close()``), the producer stops
    at its next item; one in flight (a slow HTTP call) finishes in the background and is
    dropped, so memory stays bounded by ``depth`` + 1 items.
    """
    buffer: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                buffer.put((kind, value), timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put("error", exc)
            return
        put("done", None)

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = buffer.get()
            if kind == "item":
                yield value
            elif kind == "error":
                assert isinstance(value, BaseException)
                raise value
            else:
                return
    finally:
        stop.set()
