"""Marker bases that say whether a failure is worth retrying.

Connector errors mix one of these in; the run machinery keys on the marker, never on the
concrete class, so a new connector needs no change there.
"""

__all__ = ["Terminal", "Transient"]


class Transient(Exception):
    """The same call may succeed later: timeouts, 5xx, 429, dropped connections."""

    retry_after: float | None = None


class Terminal(Exception):
    """Retrying cannot help until a person acts: wrong URL, login, permissions, bad config."""
