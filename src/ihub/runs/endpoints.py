"""Generic run API: every kind of long work shares these routes."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from ihub.db import SessionDep, get_database
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalDateTime
from ihub.models import RunStatus
from ihub.runs import service
from ihub.runs.registry import all_kinds
from ihub.runs.schemas import RunCreate, RunErrorRead, RunKindRead, RunRead
from ihub.tenants.auth import Operator, Viewer

router = APIRouter(prefix="/runs", tags=["runs"])

POLL_SECONDS = 0.5  # at most two progress events a second


@router.get("", response_model=Page[RunRead])
def list_runs(
    principal: Viewer,
    session: SessionDep,
    page: PageQuery,
    kind: str | None = None,
    status: Annotated[list[RunStatus] | None, Query()] = None,
    connection_id: uuid.UUID | None = None,
    schedule_id: uuid.UUID | None = None,
    since: Annotated[OptionalDateTime, Query(description="Created at or after.")] = None,
    until: Annotated[OptionalDateTime, Query(description="Created before.")] = None,
) -> Page[RunRead]:
    """List runs, newest first."""
    runs, total = service.list_runs(
        session,
        principal.tenant_id,
        page,
        kind=kind,
        status=status or [],
        connection_id=connection_id,
        schedule_id=schedule_id,
        since=since,
        until=until,
    )
    return Page(
        items=[service.document(run) for run in runs],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post("", response_model=RunRead, status_code=202)
def start_run(principal: Operator, session: SessionDep, body: RunCreate) -> RunRead:
    """Start a run of any kind by hand."""
    run = service.create_run(
        session,
        principal.tenant_id,
        body.kind,
        body.params,
        actor=principal.actor,
        trigger="api",
        connection_id=body.connection_id,
    )
    return service.document(run)


@router.get("/kinds", response_model=list[RunKindRead])
def list_kinds(principal: Viewer) -> list[RunKindRead]:
    """The run kinds this installation knows, with their parameter schemas."""
    return [
        RunKindRead(
            name=kind.name,
            title=kind.title,
            schedulable=kind.schedulable,
            needs_connection=kind.needs_connection,
            params_schema=kind.params_model.model_json_schema(),
        )
        for kind in all_kinds()
    ]


@router.get("/{run_id}", response_model=RunRead)
def get_run(principal: Viewer, session: SessionDep, run_id: uuid.UUID) -> RunRead:
    """One run with its steps and counters."""
    return service.document(service.get_run(session, principal.tenant_id, run_id))


@router.post("/{run_id}/cancel", response_model=RunRead, status_code=202)
def cancel_run(principal: Operator, session: SessionDep, run_id: uuid.UUID) -> RunRead:
    """Ask a run to stop; a running one stops within its current slice of work."""
    return service.document(
        service.cancel_run(session, principal.tenant_id, principal.actor, run_id)
    )


@router.get("/{run_id}/errors", response_model=Page[RunErrorRead])
def list_run_errors(
    principal: Viewer,
    session: SessionDep,
    run_id: uuid.UUID,
    page: PageQuery,
    step: str | None = None,
) -> Page[RunErrorRead]:
    """Per-record errors of a run, in the order they happened."""
    errors, total = service.list_errors(session, principal.tenant_id, run_id, page, step)
    return Page(
        items=[RunErrorRead.model_validate(e) for e in errors],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/{run_id}/events", response_class=EventSourceResponse)
def run_events(principal: Viewer, session: SessionDep, run_id: uuid.UUID) -> EventSourceResponse:
    """Server-sent events: ``progress`` whenever counters change, then one ``final``."""
    service.get_run(session, principal.tenant_id, run_id)  # 404 before the stream opens
    return EventSourceResponse(progress_events(principal.tenant_id, run_id), ping=15)


def _load_document(tenant_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any]:
    with get_database().scope(write=False) as session:
        return service.document(service.get_run(session, tenant_id, run_id)).model_dump(mode="json")


async def progress_events(
    tenant_id: uuid.UUID, run_id: uuid.UUID
) -> AsyncIterator[ServerSentEvent]:
    last: str | None = None
    while True:
        document = await run_in_threadpool(_load_document, tenant_id, run_id)
        payload = json.dumps(document, ensure_ascii=False)
        final = RunStatus(document["status"]).is_terminal
        if payload != last:
            yield ServerSentEvent(data=payload, event="final" if final else "progress")
            last = payload
        if final:
            return
        await asyncio.sleep(POLL_SECONDS)
