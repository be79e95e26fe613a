"""Schedule CRUD and the tick that turns due schedules into runs. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from ihub import audit
from ihub.audit.actor import Actor
from ihub.errors import Conflict, IhubError, NotFound, Unprocessable
from ihub.kit.clock import utcnow
from ihub.kit.pagination import PageParams
from ihub.logs import service as logs
from ihub.models import Run, Schedule, Tenant
from ihub.runs import service as runs
from ihub.runs.registry import get_kind
from ihub.schedules import cron
from ihub.schedules.repository import DueSchedules, ScheduleRepository
from ihub.schedules.schemas import ScheduleCreate, ScheduleUpdate

log = structlog.get_logger(__name__)

_AUDITED = ("name", "kind", "params", "cron", "timezone", "enabled", "connection_id")


def _snapshot(schedule: Schedule) -> dict[str, Any]:
    return {field: getattr(schedule, field) for field in _AUDITED}


def _schedulable(
    kind_name: str, params: dict[str, Any], connection_id: uuid.UUID | None
) -> dict[str, Any]:
    kind = get_kind(kind_name)
    if not kind.schedulable:
        raise Unprocessable(f"Runs of {kind.name} cannot be scheduled.")
    if kind.needs_connection and connection_id is None:
        raise Unprocessable(f"Schedules of {kind.name} need a connection_id.")
    return runs.validate_params(kind, params)


def create_schedule(
    session: Session, tenant: Tenant, actor: Actor, data: ScheduleCreate
) -> Schedule:
    schedule = Schedule(
        name=data.name,
        kind=data.kind,
        params=_schedulable(data.kind, data.params, data.connection_id),
        connection_id=data.connection_id,
        cron=data.cron,
        timezone=data.timezone or tenant.timezone,
        enabled=data.enabled,
    )
    schedule.next_run_at = _next(schedule, utcnow())
    ScheduleRepository(session, tenant.id).add(schedule)
    audit.record(
        session, tenant.id, actor, "schedule.created", "schedule", schedule.id, _snapshot(schedule)
    )
    return schedule


def get_schedule(session: Session, tenant_id: uuid.UUID, schedule_id: uuid.UUID) -> Schedule:
    schedule = ScheduleRepository(session, tenant_id).get(schedule_id)
    if schedule is None:
        raise NotFound("Schedule not found.")
    return schedule


def list_schedules(
    session: Session,
    tenant_id: uuid.UUID,
    params: PageParams,
    *,
    kind: str | None = None,
    enabled: bool | None = None,
) -> tuple[Sequence[Schedule], int]:
    repository = ScheduleRepository(session, tenant_id)
    return repository.page(repository.search(kind=kind, enabled=enabled), params)


def update_schedule(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    schedule_id: uuid.UUID,
    data: ScheduleUpdate,
) -> Schedule:
    schedule = get_schedule(session, tenant_id, schedule_id)
    before = _snapshot(schedule)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "params" in changes:
        changes["params"] = _schedulable(schedule.kind, changes["params"], schedule.connection_id)
    for field, value in changes.items():
        setattr(schedule, field, value)
    schedule.next_run_at = _next(schedule, utcnow())
    audit.record(
        session,
        tenant_id,
        actor,
        "schedule.updated",
        "schedule",
        schedule.id,
        audit.diff(before, _snapshot(schedule)),
    )
    return schedule


def delete_schedule(
    session: Session, tenant_id: uuid.UUID, actor: Actor, schedule_id: uuid.UUID
) -> None:
    schedule = get_schedule(session, tenant_id, schedule_id)
    ScheduleRepository(session, tenant_id).delete(schedule)
    audit.record(
        session,
        tenant_id,
        actor,
        "schedule.deleted",
        "schedule",
        schedule_id,
        {"name": schedule.name},
    )


def run_now(session: Session, tenant_id: uuid.UUID, actor: Actor, schedule_id: uuid.UUID) -> Run:
    schedule = get_schedule(session, tenant_id, schedule_id)
    return _start(session, schedule, actor, trigger="manual")


def upcoming(schedule: Schedule, count: int = 3) -> list[datetime]:
    return cron.next_fire_times(schedule.cron, schedule.timezone, utcnow(), count)


def _next(schedule: Schedule, after: datetime) -> datetime | None:
    if not schedule.enabled:
        return None
    return cron.next_fire_times(schedule.cron, schedule.timezone, after)[0]


def _start(session: Session, schedule: Schedule, actor: Actor, *, trigger: str) -> Run:
    run = runs.create_run(
        session,
        schedule.tenant_id,
        schedule.kind,
        schedule.params,
        actor=actor,
        trigger=trigger,
        connection_id=schedule.connection_id,
        schedule_id=schedule.id,
    )
    schedule.last_run_at = run.created_at
    schedule.last_run_id = run.id
    return run


def tick(session: Session) -> dict[str, int]:
    """Start every due schedule once; a schedule whose previous run is still active is skipped.

    Missed fire times (ihub was down) collapse into one run: the next time is computed from now.
    """
    now = utcnow()
    started = skipped = 0
    for schedule in DueSchedules(session).due(now):
        actor = Actor("schedule", str(schedule.id), f"schedule: {schedule.name}")
        try:
            _start(session, schedule, actor, trigger="schedule")
            started += 1
        except Conflict as exc:
            skipped += 1
            _note(session, schedule, "skipped", "warning", f"Not started: {exc.message}")
        except IhubError as exc:
            skipped += 1
            _note(session, schedule, "failed", "error", f"Could not start: {exc.message}")
        schedule.next_run_at = _next(schedule, now)
    if started or skipped:
        log.info("schedules_tick", started=started, skipped=skipped)
    return {"started": started, "skipped": skipped}


def _note(session: Session, schedule: Schedule, status: str, level: str, message: str) -> None:
    logs.write(
        session,
        schedule.tenant_id,
        system="ihub",
        step="schedule",
        status=status,
        level=level,
        message=f"Schedule {schedule.name!r}: {message}",
        details={"schedule_id": str(schedule.id)},
    )
