"""Start imports and describe them in the progress document users of the old system know."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from ihub.audit.actor import Actor
from ihub.db import get_database
from ihub.errors import NotFound
from ihub.imports.onec import KIND
from ihub.imports.schemas import (
    AggregateProgress,
    ImportCreate,
    ImportProgress,
    RecordError,
)
from ihub.kit.pagination import PageParams
from ihub.models import Run, RunError, RunStatus
from ihub.runs import service as runs
from ihub.runs.repository import RunErrorRepository

IMPORT_KINDS = (KIND,)
ERRORS_IN_DOCUMENT = 100
EXPORT_BATCH = 1000


def start_import(
    session: Session, tenant_id: uuid.UUID, actor: Actor, data: ImportCreate, trigger: str
) -> Run:
    return runs.create_run(
        session,
        tenant_id,
        KIND,
        {"aggregates": data.aggregates, "mode": data.mode},
        actor=actor,
        trigger=trigger,
        connection_id=data.connection_id,
    )


def get_import(session: Session, tenant_id: uuid.UUID, import_id: uuid.UUID) -> Run:
    run = runs.get_run(session, tenant_id, import_id)
    if run.kind not in IMPORT_KINDS:
        raise NotFound("Import not found.")
    return run


def list_imports(
    session: Session,
    tenant_id: uuid.UUID,
    params: PageParams,
    *,
    connection_id: uuid.UUID | None = None,
    status: Sequence[RunStatus] = (),
) -> tuple[Sequence[Run], int]:
    return runs.list_runs(
        session, tenant_id, params, kind=KIND, connection_id=connection_id, status=status
    )


def list_errors(
    session: Session,
    tenant_id: uuid.UUID,
    import_id: uuid.UUID,
    params: PageParams,
    aggregate: str | None = None,
) -> tuple[Sequence[RunError], int]:
    get_import(session, tenant_id, import_id)
    return runs.error_page(session, tenant_id, import_id, params, aggregate)


def record_error(error: RunError) -> RecordError:
    return RecordError(
        aggregate=error.step,
        ref_key=error.external_id,
        field=error.field,
        value=error.value,
        reason=error.reason,
    )


def progress(run: Run, errors: Sequence[RunError] = (), errors_total: int = 0) -> ImportProgress:
    steps = run.steps
    return ImportProgress(
        session_id=run.id,
        kind=run.kind,
        connection_id=run.connection_id,
        mode=str(run.params.get("mode", "full")),
        status=run.status,
        created_at=run.created_at,
        started_at=run.started_at,
        completed_at=run.finished_at,
        error=run.error,
        aggregates=[
            AggregateProgress(
                aggregate_index=step.position,
                aggregate_name=step.name,
                status=step.status,
                processed=step.processed,
                total=step.total,
                inserted=step.inserted,
                updated=step.updated,
                unchanged=step.unchanged,
                errors=step.errors,
                current_item=step.current_item,
            )
            for step in steps
        ],
        total_processed=sum(s.processed for s in steps),
        total_inserted=sum(s.inserted for s in steps),
        total_updated=sum(s.updated for s in steps),
        total_unchanged=sum(s.unchanged for s in steps),
        total_errors=sum(s.errors for s in steps),
        errors=[record_error(e) for e in errors],
        errors_truncated=errors_total > len(errors),
    )


def full_progress(session: Session, tenant_id: uuid.UUID, import_id: uuid.UUID) -> ImportProgress:
    run = get_import(session, tenant_id, import_id)
    errors, total = runs.error_page(
        session, tenant_id, import_id, PageParams(page=1, page_size=ERRORS_IN_DOCUMENT)
    )
    return progress(run, errors, total)


def export_errors(
    tenant_id: uuid.UUID, import_id: uuid.UUID, aggregate: str | None
) -> Iterator[dict[str, Any]]:
    """Every error of an import, streamed in batches from a session of its own."""
    with get_database().scope(write=False) as session:
        stmt = RunErrorRepository(session, tenant_id).for_run(import_id, aggregate)
        for error in session.scalars(stmt.execution_options(yield_per=EXPORT_BATCH)):
            yield record_error(error).model_dump()
