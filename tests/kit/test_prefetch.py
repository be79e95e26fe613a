from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ihub.kit.prefetch import prefetched


def test_items_arrive_in_order_and_the_next_is_read_while_the_current_is_used() -> None:
    produced: list[int] = []
    overlap = threading.Event()

    def slow() -> Iterator[int]:
        for n in range(5):
            produced.append(n)
            yield n

    seen = []
    for item in prefetched(slow()):
        deadline = time.monotonic() + 2
        while len(produced) <= item + 1 and item < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        if len(produced) > item + 1:
            overlap.set()
        seen.append(item)
    assert seen == [0, 1, 2, 3, 4]
    assert overlap.is_set()


def test_a_producer_error_surfaces_in_order() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("page 2 failed")

    iterator = prefetched(failing())
    assert next(iterator) == 1
    with pytest.raises(ValueError, match="page 2 failed"):
        next(iterator)


def test_stopping_early_stops_the_producer() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    iterator = prefetched(endless())
    assert next(iterator) == 0
    iterator.close()  # type: ignore[attr-defined]
    time.sleep(0.3)
    count = len(produced)
    time.sleep(0.3)
    assert len(produced) == count <= 4
