"""Cron arithmetic in a schedule's own timezone (croniter does the parsing)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from croniter import croniter


def is_valid(expression: str) -> bool:
    return bool(croniter.is_valid(expression))


def next_fire_times(
    expression: str, timezone: str, after: datetime, count: int = 1
) -> list[datetime]:
    """The next ``count`` moments (UTC) strictly after ``after``, evaluated in ``timezone``.

    Evaluating in local time is what makes "weekdays 09:00 Moscow time" mean 09:00 there,
    across DST changes for zones that have them.
    """
    iterator = croniter(expression, after.astimezone(ZoneInfo(timezone)))
    return [iterator.get_next(datetime).astimezone(UTC) for _ in range(count)]
