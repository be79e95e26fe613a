from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from ihub.db import SessionDep
from ihub.kit.pagination import Page, PageQuery
from ihub.runs import service as runs
from ihub.runs.schemas import RunRead
from ihub.schedules import service
from ihub.schedules.schemas import ScheduleCreate, ScheduleRead, ScheduleUpdate
from ihub.tenants import service as tenants
from ihub.tenants.auth import Admin, Operator, Viewer

router = APIRouter(prefix="/schedules", tags=["schedules"])


@router.get("", response_model=Page[ScheduleRead])
def list_schedules(
    principal: Viewer,
    session: SessionDep,
    page: PageQuery,
    kind: str | None = None,
    enabled: bool | None = None,
) -> Page[ScheduleRead]:
    """List schedules by name."""
    items, total = service.list_schedules(
        session, principal.tenant_id, page, kind=kind, enabled=enabled
    )
    return Page(
        items=[ScheduleRead.model_validate(s) for s in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post("", response_model=ScheduleRead, status_code=201)
def create_schedule(principal: Admin, session: SessionDep, body: ScheduleCreate) -> ScheduleRead:
    """Create a schedule; its next run time is computed in its timezone."""
    tenant = tenants.get_tenant(session, principal.tenant_id)
    return ScheduleRead.model_validate(
        service.create_schedule(session, tenant, principal.actor, body)
    )


@router.get("/{schedule_id}", response_model=ScheduleRead)
def get_schedule(principal: Viewer, session: SessionDep, schedule_id: uuid.UUID) -> ScheduleRead:
    """One schedule."""
    return ScheduleRead.model_validate(
        service.get_schedule(session, principal.tenant_id, schedule_id)
    )


@router.patch("/{schedule_id}", response_model=ScheduleRead)
def update_schedule(
    principal: Admin, session: SessionDep, schedule_id: uuid.UUID, body: ScheduleUpdate
) -> ScheduleRead:
    """Change a schedule; enabling or changing the cron recomputes the next run time."""
    schedule = service.update_schedule(
        session, principal.tenant_id, principal.actor, schedule_id, body
    )
    return ScheduleRead.model_validate(schedule)


@router.delete("/{schedule_id}", status_code=204)
def delete_schedule(principal: Admin, session: SessionDep, schedule_id: uuid.UUID) -> Response:
    """Delete a schedule; its past runs stay."""
    service.delete_schedule(session, principal.tenant_id, principal.actor, schedule_id)
    return Response(status_code=204)


@router.post("/{schedule_id}/run", response_model=RunRead, status_code=202)
def run_schedule_now(principal: Operator, session: SessionDep, schedule_id: uuid.UUID) -> RunRead:
    """Start the schedule's run now, outside its timetable."""
    run = service.run_now(session, principal.tenant_id, principal.actor, schedule_id)
    return runs.document(run)
