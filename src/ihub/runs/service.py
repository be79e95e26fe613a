"""Create, read and cancel runs. Never commits; the caller's boundary does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ihub import audit, celery_app
from ihub.audit.actor import Actor
from ihub.connections import service as connections
from ihub.db import after_commit
from ihub.errors import Conflict, NotFound, Unprocessable
from ihub.kit.clock import utcnow
from ihub.kit.pagination import PageParams
from ihub.models import Run, RunError, RunStatus, RunStep
from ihub.runs.registry import RunKind, get_kind
from ihub.runs.repository import RunErrorRepository, RunRepository
from ihub.runs.schemas import RunRead, StepRead

EXECUTE_TASK = "runs.execute"
COUNTERS = ("processed", "inserted", "updated", "unchanged", "errors")


def enqueue(run_id: uuid.UUID, countdown: float | None = None) -> None:
    celery_app.send(EXECUTE_TASK, str(run_id), countdown=countdown)


def concurrency_key(
    tenant_id: uuid.UUID,
    kind: RunKind,
    connection_id: uuid.UUID | None,
    schedule_id: uuid.UUID | None,
) -> str | None:
    if kind.exclusive:
        return f"{tenant_id}:{kind.name}:{connection_id or '-'}"
    if schedule_id is not None:
        return f"{tenant_id}:schedule:{schedule_id}"
    return None


def validate_params(kind: RunKind, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return kind.params_model.model_validate(params).model_dump(mode="json")
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        raise Unprocessable(
            f"Parameters for {kind.name} are not valid.", extra={"errors": errors}
        ) from None


def create_run(
    session: Session,
    tenant_id: uuid.UUID,
    kind_name: str,
    params: dict[str, Any],
    *,
    actor: Actor,
    trigger: str,
    connection_id: uuid.UUID | None = None,
    schedule_id: uuid.UUID | None = None,
) -> Run:
    """Queue a run; its task is sent only once the transaction commits."""
    kind = get_kind(kind_name)
    if kind.needs_connection and connection_id is None:
        raise Unprocessable(f"Runs of {kind.name} need a connection_id.")
    if connection_id is not None:
        connection = connections.get_connection(session, tenant_id, connection_id)
        if kind.connection_kind and connection.kind != kind.connection_kind:
            raise Unprocessable(
                f"Runs of {kind.name} need a {kind.connection_kind} connection; "
                f"{connection.name!r} is {connection.kind}."
            )
    key = concurrency_key(tenant_id, kind, connection_id, schedule_id)
    repository = RunRepository(session, tenant_id)
    if key and (active := repository.active_with_key(key)) is not None:
        raise Conflict(
            f"A {kind.name} run is already {active.status.value} ({active.id}); "
            "wait for it or cancel it first.",
            extra={"run_id": str(active.id)},
        )
    run = Run(
        kind=kind.name,
        status=RunStatus.queued,
        trigger=trigger,
        triggered_by=actor.label,
        connection_id=connection_id,
        schedule_id=schedule_id,
        concurrency_key=key,
        params=validate_params(kind, params),
        enqueued_at=utcnow(),
        steps=[],
    )
    try:
        with session.begin_nested():
            repository.add(run)
    except IntegrityError:
        raise Conflict(f"A {kind.name} run is already active; wait for it or cancel it.") from None
    audit.record(
        session,
        tenant_id,
        actor,
        "run.created",
        "run",
        run.id,
        {"kind": kind.name, "trigger": trigger},
    )
    run_id = run.id
    after_commit(session, lambda: enqueue(run_id))
    return run


def get_run(session: Session, tenant_id: uuid.UUID, run_id: uuid.UUID) -> Run:
    run = RunRepository(session, tenant_id).get_with_steps(run_id)
    if run is None:
        raise NotFound("Run not found.")
    return run


def list_runs(
    session: Session, tenant_id: uuid.UUID, params: PageParams, **filters: Any
) -> tuple[Sequence[Run], int]:
    repository = RunRepository(session, tenant_id)
    return repository.page(repository.search(**filters), params)


def list_errors(
    session: Session,
    tenant_id: uuid.UUID,
    run_id: uuid.UUID,
    params: PageParams,
    step: str | None = None,
) -> tuple[Sequence[RunError], int]:
    get_run(session, tenant_id, run_id)
    return error_page(session, tenant_id, run_id, params, step)


def error_page(
    session: Session,
    tenant_id: uuid.UUID,
    run_id: uuid.UUID,
    params: PageParams,
    step: str | None = None,
) -> tuple[Sequence[RunError], int]:
    """One page of a run's errors; the caller has already loaded the run."""
    repository = RunErrorRepository(session, tenant_id)
    return repository.page(repository.for_run(run_id, step), params)


def cancel_run(session: Session, tenant_id: uuid.UUID, actor: Actor, run_id: uuid.UUID) -> Run:
    """Queued runs stop at once; running ones at their next save."""
    run = get_run(session, tenant_id, run_id)
    if run.status.is_terminal:
        raise Conflict(f"The run already ended ({run.status.value}); nothing to cancel.")
    now = utcnow()
    run.cancel_requested_at = run.cancel_requested_at or now
    if run.status == RunStatus.queued:
        run.status = RunStatus.cancelled
        run.finished_at = now
        run.error = "Cancelled before it started."
    audit.record(session, tenant_id, actor, "run.cancelled", "run", run.id, {"kind": run.kind})
    return run


def step_counters(step: RunStep) -> dict[str, int | None]:
    return {"total": step.total, **{name: getattr(step, name) for name in COUNTERS}}


def document(run: Run) -> RunRead:
    """The progress document shown by the API, the SSE stream and the UI."""
    totals = {name: sum(getattr(step, name) for step in run.steps) for name in COUNTERS}
    return RunRead.model_validate(
        {
            **{field: getattr(run, field) for field in RunRead.model_fields if hasattr(run, field)},
            "steps": [StepRead.model_validate(step) for step in run.steps],
            "cancel_requested": run.cancel_requested_at is not None and not run.status.is_terminal,
            "totals": totals,
        }
    )
