"""Connection kinds: what each external system needs and how its connection is tested.

A kind declares a pydantic settings model (its field titles and descriptions drive the UI
form), a secrets model (fields stored encrypted, never returned) and a test callable. The
kinds ihub ships are listed in ``ihub.connections.kinds``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ihub.connectors.base import CheckReport
from ihub.errors import Unprocessable

__all__ = ["ConnectionKind", "all_kinds", "get_kind", "register"]


@dataclass(frozen=True)
class ConnectionKind:
    name: str
    title: str
    settings: type[BaseModel]
    secrets: type[BaseModel]
    # (validated settings, validated secrets) -> report; called outside any transaction.
    test: Callable[[Any, Any], CheckReport]

    @property
    def secret_fields(self) -> list[str]:
        return list(self.secrets.model_fields)


_KINDS: dict[str, ConnectionKind] = {}


def register(*kinds: ConnectionKind) -> None:
    for kind in kinds:
        if kind.name in _KINDS:
            raise RuntimeError(f"connection kind {kind.name!r} registered twice")
        _KINDS[kind.name] = kind


def get_kind(name: str) -> ConnectionKind:
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise Unprocessable(f"Unknown connection kind {name!r}; known kinds: {known}.") from None


def all_kinds() -> list[ConnectionKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)
