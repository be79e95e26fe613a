"""Schedules page: list, create, edit, enable/disable, run now, delete."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.kit.pagination import PageParams
from ihub.runs.registry import all_kinds
from ihub.schedules import service
from ihub.schedules.schemas import ScheduleCreate, ScheduleUpdate
from ihub.tenants import service as tenants
from ihub.ui.web import UiAdmin, UiOperator, UiViewer, form_error, render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    principal: Any,
    session: Session,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
    editing: uuid.UUID | None = None,
) -> HTMLResponse:
    schedules, _ = service.list_schedules(
        session, principal.tenant_id, PageParams(page=1, page_size=500)
    )
    tenant = tenants.get_tenant(session, principal.tenant_id)
    return render(
        request,
        "schedules.html",
        principal,
        status,
        schedules=schedules,
        upcoming={s.id: service.upcoming(s) for s in schedules if s.enabled},
        kinds=[k for k in all_kinds() if k.schedulable],
        error=error,
        form=form or {"timezone": tenant.timezone, "params": "{}", "enabled": True},
        editing=editing,
    )


@router.get("/schedules")
def schedules_page(
    request: Request, principal: UiViewer, session: SessionDep, edit: uuid.UUID | None = None
) -> HTMLResponse:
    form = None
    if edit is not None:
        s = service.get_schedule(session, principal.tenant_id, edit)
        form = {
            "name": s.name,
            "kind": s.kind,
            "cron": s.cron,
            "timezone": s.timezone,
            "params": json.dumps(s.params, indent=2),
            "enabled": s.enabled,
        }
    return _page(request, principal, session, form=form, editing=edit)


@router.post("/schedules")
def save_schedule(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    name: Annotated[str, Form()],
    cron: Annotated[str, Form()],
    timezone: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "",
    params: Annotated[str, Form()] = "{}",
    enabled: Annotated[bool, Form()] = False,
    schedule_id: Annotated[uuid.UUID | None, Form()] = None,
) -> Response:
    form = {
        "name": name,
        "kind": kind,
        "cron": cron,
        "timezone": timezone,
        "params": params,
        "enabled": enabled,
    }
    try:
        parsed = json.loads(params or "{}")
        if schedule_id is None:
            tenant = tenants.get_tenant(session, principal.tenant_id)
            data = ScheduleCreate(
                name=name, kind=kind, cron=cron, timezone=timezone, params=parsed, enabled=enabled
            )
            service.create_schedule(session, tenant, principal.actor, data)
        else:
            update = ScheduleUpdate(
                name=name, cron=cron, timezone=timezone, params=parsed, enabled=enabled
            )
            service.update_schedule(
                session, principal.tenant_id, principal.actor, schedule_id, update
            )
    except (IhubError, ValidationError, ValueError) as exc:
        session.rollback()
        return _page(
            request,
            principal,
            session,
            error=form_error(exc),
            form=form,
            status=422,
            editing=schedule_id,
        )
    return RedirectResponse("/schedules", status_code=303)


@router.post("/schedules/{schedule_id}/toggle")
def toggle_schedule(principal: UiAdmin, session: SessionDep, schedule_id: uuid.UUID) -> Response:
    schedule = service.get_schedule(session, principal.tenant_id, schedule_id)
    service.update_schedule(
        session,
        principal.tenant_id,
        principal.actor,
        schedule_id,
        ScheduleUpdate(enabled=not schedule.enabled),
    )
    return RedirectResponse("/schedules", status_code=303)


@router.post("/schedules/{schedule_id}/run")
def run_schedule(principal: UiOperator, session: SessionDep, schedule_id: uuid.UUID) -> Response:
    run = service.run_now(session, principal.tenant_id, principal.actor, schedule_id)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


@router.post("/schedules/{schedule_id}/delete")
def delete_schedule(principal: UiAdmin, session: SessionDep, schedule_id: uuid.UUID) -> Response:
    service.delete_schedule(session, principal.tenant_id, principal.actor, schedule_id)
    return RedirectResponse("/schedules", status_code=303)
