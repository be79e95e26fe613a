"""Run kinds: a name, a parameter model and the handler a worker calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ihub.errors import Unprocessable

if TYPE_CHECKING:
    from ihub.runs.context import RunContext

P = TypeVar("P", bound=BaseModel)
Handler = Callable[["RunContext", Any], None]


class NoParams(BaseModel):
    pass


@dataclass(frozen=True)
class RunKind:
    name: str
    title: str
    handler: Handler
    params_model: type[BaseModel]
    system: str
    schedulable: bool
    # Exclusive kinds run once at a time per connection (or per tenant without one).
    exclusive: bool
    needs_connection: bool
    # The connection kind its runs need (e.g. "onec_odata"); None when any or none will do.
    connection_kind: str | None = None


_KINDS: dict[str, RunKind] = {}


def run_kind(
    name: str,
    *,
    title: str,
    params: type[P] = NoParams,  # type: ignore[assignment]
    system: str = "ihub",
    schedulable: bool = True,
    exclusive: bool = True,
    needs_connection: bool = False,
    connection_kind: str | None = None,
) -> Callable[[Callable[[RunContext, P], None]], Callable[[RunContext, P], None]]:
    def register(handler: Callable[[RunContext, P], None]) -> Callable[[RunContext, P], None]:
        if name in _KINDS:
            raise RuntimeError(f"run kind {name!r} registered twice")
        _KINDS[name] = RunKind(
            name,
            title,
            handler,
            params,
            system,
            schedulable,
            exclusive,
            needs_connection or connection_kind is not None,
            connection_kind,
        )
        return handler

    return register


def _load_all() -> None:
    # Kinds register themselves on import; ihub.tasks imports every module that defines one,
    # so any process (API, worker, CLI) sees the same catalog.
    import ihub.tasks  # noqa: F401


def get_kind(name: str) -> RunKind:
    _load_all()
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise Unprocessable(f"Unknown run kind {name!r}; known kinds: {known}.") from None


def all_kinds() -> list[RunKind]:
    _load_all()
    return sorted(_KINDS.values(), key=lambda kind: kind.name)
