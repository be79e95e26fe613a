from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user, an API key, a schedule or the system itself."""

    type: str
    id: str | None
    label: str


SYSTEM = Actor("system", None, "system")
