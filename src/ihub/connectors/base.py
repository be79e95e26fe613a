"""What every connector offers the rest of ihub, whatever the external system."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CheckReport", "CheckStep"]


@dataclass(frozen=True)
class CheckStep:
    """One thing a connection test tried: reach the system, log in, read an object, …"""

    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class CheckReport:
    """The outcome of testing a connection, worded for the person who configured it."""

    ok: bool
    message: str
    steps: list[CheckStep] = field(default_factory=list)
