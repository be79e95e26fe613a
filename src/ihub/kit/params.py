"""Query-parameter types that accept what HTML forms send (empty fields, naive local times)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

__all__ = ["OptionalBool", "OptionalDateTime", "OptionalUUID", "as_utc", "non_empty"]


def _empty_as_none(value: Any) -> Any:
    return None if value == "" else value


def as_utc(value: datetime | None) -> datetime | None:
    """A time without an offset is taken as UTC, the zone every page shows."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def non_empty(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v for v in values or () if v)


OptionalDateTime = Annotated[
    datetime | None, BeforeValidator(_empty_as_none), AfterValidator(as_utc)
]
OptionalUUID = Annotated[uuid.UUID | None, BeforeValidator(_empty_as_none)]
OptionalBool = Annotated[bool | None, BeforeValidator(_empty_as_none)]
