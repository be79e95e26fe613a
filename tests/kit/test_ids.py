from __future__ import annotations

import time

from ihub.kit.ids import ordered_uuid


def test_ordered_uuids_are_version_7_and_grow_with_time() -> None:
    first = ordered_uuid()
    time.sleep(0.002)
    later = [ordered_uuid() for _ in range(1000)]
    assert first.version == 7
    assert first.variant == "specified in RFC 4122"
    assert all(first < other for other in later)
    assert len(set(later)) == 1000
    milliseconds = first.int >> 80
    assert abs(milliseconds - time.time() * 1000) < 5000
