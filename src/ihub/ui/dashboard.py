"""The landing page: what is running, what failed lately, what comes next."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ihub.db import SessionDep
from ihub.kit.clock import utcnow
from ihub.kit.pagination import PageParams
from ihub.logs.repository import IntegrationLogRepository, LogFilter
from ihub.models import ACTIVE_STATUSES, Schedule
from ihub.runs import service as runs
from ihub.runs.repository import RunRepository
from ihub.schedules.repository import ScheduleRepository
from ihub.ui.web import UiViewer, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, principal: UiViewer, session: SessionDep) -> HTMLResponse:
    day_ago = utcnow() - timedelta(days=1)
    counts = RunRepository(session, principal.tenant_id).status_counts(day_ago)
    active, _ = runs.list_runs(
        session, principal.tenant_id, PageParams(page=1, page_size=10), status=list(ACTIVE_STATUSES)
    )
    recent, _ = runs.list_runs(session, principal.tenant_id, PageParams(page=1, page_size=10))
    logs = IntegrationLogRepository(session, principal.tenant_id)
    _, log_errors = logs.page(
        logs.search(LogFilter(since=day_ago, level=("error",))), PageParams(page=1, page_size=1)
    )
    schedules = ScheduleRepository(session, principal.tenant_id)
    upcoming = schedules.list(
        schedules.search(enabled=True).order_by(None).order_by(Schedule.next_run_at).limit(5)
    )
    return render(
        request,
        "dashboard.html",
        principal,
        counts=counts,
        runs_24h=sum(counts.values()),
        failed_24h=counts.get("failed", 0),
        log_errors=log_errors,
        active=[runs.document(r) for r in active],
        recent=[runs.document(r) for r in recent],
        upcoming=upcoming,
    )
