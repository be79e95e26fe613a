"""Production pages: dashboard with charts, work centers, batches, reports and import."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.kit.pagination import PageParams, page_count
from ihub.models import BatchStatus, ReportFormat, ReportKind, RunStatus, WorkCenter
from ihub.production import analytics, charts, importer, reports, service
from ihub.production.repository import BatchFilter, ProductLookup, WorkCenterRepository
from ihub.production.schemas import (
    BatchCreate,
    BatchSort,
    BatchTransition,
    BatchUpdate,
    ReportCreate,
    WorkCenterCreate,
    WorkCenterUpdate,
)
from ihub.runs import service as runs
from ihub.tenants.auth import Principal
from ihub.ui.web import UiAdmin, UiOperator, UiViewer, form_error, render, templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _local(value: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(zone).strftime(fmt) if value else "—"


templates.env.filters["localtime"] = _local


def _local_input(value: str, zone: ZoneInfo) -> datetime | None:
    """A ``datetime-local`` form value, which is the tenant's wall-clock time."""
    return datetime.fromisoformat(value).replace(tzinfo=zone) if value else None


def _blank_to_none(form: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if v == "" else v) for k, v in form.items()}


def _decimal(value: str) -> str:
    """People type 12,5 as often as 12.5 (and 1 000 for a thousand)."""
    return value.replace(" ", "").replace("\u00a0", "").replace(",", ".")


# --- dashboard ---


@router.get("/production")
def dashboard_page(request: Request, principal: UiViewer, session: SessionDep) -> HTMLResponse:
    tenant_id = principal.tenant_id
    win = analytics.window(session, tenant_id, None, None)
    series = analytics.output(session, tenant_id, win, "day")
    load = analytics.work_centers(session, tenant_id, win)
    days = [(p.key, p.output) for p in series.items]
    return render(
        request,
        "production/dashboard.html",
        principal,
        stats=analytics.dashboard(session, tenant_id),
        period=series.period,
        total=series.total,
        output_chart=charts.bars([(k, o.produced) for k, o in days], "output"),
        defect_chart=charts.line([(k, o.defect_rate_pct) for k, o in days], "defect rate"),
        load_chart=charts.load_bars([(w.code, w.load_pct) for w in load.items], "load"),
        load=load.items,
    )


# --- work centers ---


def _work_centers_page(
    request: Request,
    principal: Principal,
    session: Session,
    *,
    form: dict[str, Any] | None = None,
    editing: uuid.UUID | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    items, _ = service.list_work_centers(
        session, principal.tenant_id, PageParams(page=1, page_size=500)
    )
    return render(
        request,
        "production/work_centers.html",
        principal,
        status,
        work_centers=items,
        form=form or {"kind": "line", "shifts_per_day": 1, "active": True},
        editing=editing,
        error=error,
    )


@router.get("/work-centers")
def work_centers_page(
    request: Request, principal: UiViewer, session: SessionDep, edit: uuid.UUID | None = None
) -> HTMLResponse:
    form = None
    if edit is not None:
        wc = service.get_work_center(session, principal.tenant_id, edit)
        form = {name: getattr(wc, name) for name in WorkCenterCreate.model_fields}
    return _work_centers_page(request, principal, session, form=form, editing=edit)


@router.post("/work-centers")
def save_work_center(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    capacity_per_shift: Annotated[str, Form()],
    shifts_per_day: Annotated[str, Form()] = "1",
    active: Annotated[bool, Form()] = False,
    work_center_id: Annotated[uuid.UUID | None, Form()] = None,
) -> Response:
    form = {
        "code": code,
        "name": name,
        "kind": kind,
        "capacity_per_shift": _decimal(capacity_per_shift),
        "shifts_per_day": shifts_per_day,
        "active": active,
    }
    try:
        if work_center_id is None:
            service.create_work_center(
                session, principal.tenant_id, principal.actor, WorkCenterCreate(**form)
            )
        else:
            service.update_work_center(
                session,
                principal.tenant_id,
                principal.actor,
                work_center_id,
                WorkCenterUpdate(**form),
            )
    except (IhubError, ValidationError) as exc:
        session.rollback()
        return _work_centers_page(
            request,
            principal,
            session,
            form=form,
            editing=work_center_id,
            error=form_error(exc),
            status=422,
        )
    return RedirectResponse("/work-centers", status_code=303)


@router.post("/work-centers/{work_center_id}/toggle")
def toggle_work_center(
    principal: UiAdmin, session: SessionDep, work_center_id: uuid.UUID
) -> Response:
    wc = service.get_work_center(session, principal.tenant_id, work_center_id)
    update = WorkCenterUpdate(active=not wc.active)
    service.update_work_center(session, principal.tenant_id, principal.actor, wc.id, update)
    return RedirectResponse("/work-centers", status_code=303)


@router.post("/work-centers/{work_center_id}/delete")
def delete_work_center(
    request: Request, principal: UiAdmin, session: SessionDep, work_center_id: uuid.UUID
) -> Response:
    try:
        service.delete_work_center(session, principal.tenant_id, principal.actor, work_center_id)
    except IhubError as exc:
        session.rollback()
        return _work_centers_page(request, principal, session, error=exc.message, status=409)
    return RedirectResponse("/work-centers", status_code=303)


# --- batches ---


class BatchQuery(BaseModel):
    """The list page's filters as the form sends them (empty fields mean no filter)."""

    status: str = ""
    work_center_id: str = ""
    product_id: str = ""
    q: str = ""
    planned_from: str = ""
    planned_to: str = ""
    sort: str = ""
    page: int = 1

    def to_filter(self, zone: ZoneInfo) -> BatchFilter:
        def day(value: str, after: bool = False) -> datetime | None:
            if not value:
                return None
            local = date.fromisoformat(value) + timedelta(days=1 if after else 0)
            return analytics.Window(local, local, zone).start

        return BatchFilter(
            status=(BatchStatus(self.status),) if self.status in BatchStatus.__members__ else (),
            work_center_id=uuid.UUID(self.work_center_id) if self.work_center_id else None,
            product_id=uuid.UUID(self.product_id) if self.product_id else None,
            number=self.q.strip() or None,
            planned_from=day(self.planned_from),
            planned_to=day(self.planned_to, after=True),
            sort=self.sort  # type: ignore[arg-type]
            if self.sort in _SORTS
            else ("number" if self.q.strip() else "-planned_start"),
        )


def _api_query(f: BatchFilter) -> dict[str, Any]:
    """The same selection as query parameters of ``GET /api/v1/batches`` (for the exports)."""
    return {
        "status": [s.value for s in f.status],
        "work_center_id": f.work_center_id,
        "product_id": f.product_id,
        "q": f.number,
        "planned_from": f.planned_from.isoformat() if f.planned_from else None,
        "planned_to": f.planned_to.isoformat() if f.planned_to else None,
        "sort": f.sort,
    }


_SORTS = get_args(BatchSort)
# The moves each status allows, as the list's rows show them: the same on every request.
_MOVES = {status: service.moves_from(status) for status in BatchStatus}


def _work_centers(session: Session, tenant_id: uuid.UUID) -> Sequence[WorkCenter]:
    centers = WorkCenterRepository(session, tenant_id)
    return centers.list(centers.search())


def _batches_page(
    request: Request,
    principal: Principal,
    session: Session,
    query: BatchQuery,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    zone = analytics.tenant_zone(session, principal.tenant_id)
    f = BatchFilter()
    try:
        f = query.to_filter(zone)
        params = PageParams(page=query.page, page_size=PAGE_SIZE)
        rows, total, exact = service.list_batches(session, principal.tenant_id, f, params)
    except (ValueError, IhubError) as exc:
        rows, total, exact, error = [], 0, True, form_error(exc)
    filters = query.model_dump(exclude={"page"})
    return render(
        request,
        "production/batches.html",
        principal,
        status,
        batches=rows,
        total=total,
        exact=exact,
        page=query.page,
        pages=page_count(total, PAGE_SIZE),
        filters=filters,
        api_filters=_api_query(f),
        statuses=list(BatchStatus),
        moves=_MOVES,
        zone=zone,
        form=form or {},
        error=error,
        work_centers=_work_centers(session, principal.tenant_id),
        products=ProductLookup(session, principal.tenant_id).search(),
    )


@router.get("/batches")
def batches_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    query: Annotated[BatchQuery, Query()],
) -> HTMLResponse:
    return _batches_page(request, principal, session, query)


@router.post("/batches")
def create_batch(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    number: Annotated[str, Form()],
    product_id: Annotated[str, Form()],
    work_center_id: Annotated[str, Form()],
    planned_quantity: Annotated[str, Form()],
    planned_start: Annotated[str, Form()],
    planned_finish: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "number": number,
        "product_id": product_id,
        "work_center_id": work_center_id,
        "planned_quantity": _decimal(planned_quantity),
        "planned_start": planned_start,
        "planned_finish": planned_finish,
        "unit": unit,
        "notes": notes,
    }
    try:
        zone = analytics.tenant_zone(session, principal.tenant_id)
        data = BatchCreate(
            **_blank_to_none(form)
            | {
                "planned_start": _local_input(planned_start, zone),
                "planned_finish": _local_input(planned_finish, zone),
            }
        )
        batch = service.create_batch(session, principal.tenant_id, principal.actor, data)
    except (IhubError, ValidationError, ValueError) as exc:
        session.rollback()
        return _batches_page(
            request, principal, session, BatchQuery(), form=form, error=form_error(exc), status=422
        )
    return RedirectResponse(f"/batches/{batch.id}", status_code=303)


def _batch_page(
    request: Request,
    principal: Principal,
    session: Session,
    batch_id: uuid.UUID,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    batch = service.get_batch(session, principal.tenant_id, batch_id)
    return render(
        request,
        "production/batch.html",
        principal,
        status,
        batch=service.document(batch),
        history=batch.history,
        moves=service.moves_from(batch.status),
        zone=analytics.tenant_zone(session, principal.tenant_id),
        error=error,
        work_centers=_work_centers(session, principal.tenant_id),
    )


@router.get("/batches/{batch_id}")
def batch_page(
    request: Request, principal: UiViewer, session: SessionDep, batch_id: uuid.UUID
) -> HTMLResponse:
    return _batch_page(request, principal, session, batch_id)


@router.post("/batches/{batch_id}")
def update_batch(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    batch_id: uuid.UUID,
    planned_quantity: Annotated[str, Form()] = "",
    planned_start: Annotated[str, Form()] = "",
    planned_finish: Annotated[str, Form()] = "",
    work_center_id: Annotated[str, Form()] = "",
    produced_quantity: Annotated[str, Form()] = "",
    defective_quantity: Annotated[str, Form()] = "",
    notes: Annotated[str | None, Form()] = None,
) -> Response:
    """One form: it sends only the fields the batch's status lets change."""
    try:
        zone = analytics.tenant_zone(session, principal.tenant_id)
        sent: dict[str, Any] = {
            "planned_quantity": _decimal(planned_quantity),
            "work_center_id": work_center_id,
            "produced_quantity": _decimal(produced_quantity),
            "defective_quantity": _decimal(defective_quantity),
            "planned_start": _local_input(planned_start, zone),
            "planned_finish": _local_input(planned_finish, zone),
        }
        changes = {k: v for k, v in sent.items() if v not in ("", None)}
        if notes is not None:
            changes["notes"] = notes.strip() or None
        data = BatchUpdate(**changes)
        service.update_batch(session, principal.tenant_id, principal.actor, batch_id, data)
    except (IhubError, ValidationError, ValueError) as exc:
        session.rollback()
        return _batch_page(request, principal, session, batch_id, error=form_error(exc), status=422)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.post("/batches/{batch_id}/transition")
def transition_batch(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    batch_id: uuid.UUID,
    to: Annotated[str, Form()],
    produced_quantity: Annotated[str, Form()] = "",
    defective_quantity: Annotated[str, Form()] = "",
) -> Response:
    """From the list (HTMX: the row comes back) or from the batch page (a redirect)."""
    inline = request.headers.get("hx-request") == "true"
    error = None
    try:
        move = BatchTransition(
            to=to,
            produced_quantity=produced_quantity or None,
            defective_quantity=defective_quantity or None,
        )
        batch = service.transition(session, principal.tenant_id, principal.actor, batch_id, move)
    except (IhubError, ValidationError) as exc:
        session.rollback()
        if not inline:
            return _batch_page(
                request, principal, session, batch_id, error=form_error(exc), status=409
            )
        error = form_error(exc)
        batch = service.get_batch(session, principal.tenant_id, batch_id)
    if not inline:
        return RedirectResponse(f"/batches/{batch_id}", status_code=303)
    return render(
        request,
        "production/_batch_row.html",
        principal,
        b=service.document(batch),
        moves=_MOVES,
        zone=analytics.tenant_zone(session, principal.tenant_id),
        row_error=error,
    )


@router.post("/batches/{batch_id}/delete")
def delete_batch(
    request: Request, principal: UiOperator, session: SessionDep, batch_id: uuid.UUID
) -> Response:
    try:
        service.delete_batch(session, principal.tenant_id, principal.actor, batch_id)
    except IhubError as exc:
        session.rollback()
        return _batch_page(request, principal, session, batch_id, error=exc.message, status=409)
    return RedirectResponse("/batches", status_code=303)


# --- reports ---


def _reports_page(
    request: Request,
    principal: Principal,
    session: Session,
    *,
    error: str | None = None,
    status: int = 200,
    partial: bool = False,
) -> HTMLResponse:
    items, _ = reports.list_reports(session, principal.tenant_id, PageParams(page=1, page_size=50))
    documents = reports.documents(session, principal.tenant_id, items)
    zone = analytics.tenant_zone(session, principal.tenant_id)
    today = analytics.today(zone)
    return render(
        request,
        "production/_reports_table.html" if partial else "production/reports.html",
        principal,
        status,
        reports=documents,
        busy=any(r.status and not r.status.is_terminal for r in documents),
        kinds=list(ReportKind),
        formats=list(ReportFormat),
        default_from=today.replace(day=1),
        default_to=today,
        error=error,
    )


@router.get("/reports")
def reports_page(
    request: Request, principal: UiViewer, session: SessionDep, partial: bool = False
) -> HTMLResponse:
    return _reports_page(request, principal, session, partial=partial)


@router.post("/reports")
def request_report(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    kind: Annotated[str, Form()],
    date_from: Annotated[str, Form()],
    date_to: Annotated[str, Form()],
    format: Annotated[str, Form()] = "xlsx",
) -> Response:
    try:
        data = ReportCreate(kind=kind, date_from=date_from, format=format, date_to=date_to)
        reports.request_report(session, principal.tenant_id, principal.actor, data, "ui")
    except (IhubError, ValidationError) as exc:
        session.rollback()
        return _reports_page(request, principal, session, error=form_error(exc), status=422)
    return RedirectResponse("/reports", status_code=303)


# --- import ---


def _import_page(
    request: Request,
    principal: Principal,
    session: Session,
    run_id: uuid.UUID | None,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    recent, _ = runs.list_runs(
        session, principal.tenant_id, PageParams(page=1, page_size=10), kind=importer.IMPORT_KIND
    )
    selected = runs.get_run(session, principal.tenant_id, run_id) if run_id else None
    errors, errors_total = (
        runs.list_errors(session, principal.tenant_id, run_id, PageParams(page=1, page_size=500))
        if run_id
        else ([], 0)
    )
    return render(
        request,
        "production/import.html",
        principal,
        status,
        recent=[runs.document(r) for r in recent],
        selected=runs.document(selected) if selected else None,
        errors=errors,
        errors_total=errors_total,
        error=error,
        active=RunStatus.running,
    )


@router.get("/batch-import")
def import_page(
    request: Request, principal: UiViewer, session: SessionDep, run_id: uuid.UUID | None = None
) -> HTMLResponse:
    return _import_page(request, principal, session, run_id)


@router.post("/batch-import")
def upload_import(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    try:
        run = importer.start(
            session,
            principal.tenant_id,
            principal.actor,
            file.file,
            file.filename or "upload",
            dry_run=dry_run,
            trigger="ui",
        )
    except IhubError as exc:
        session.rollback()
        return _import_page(request, principal, session, None, error=exc.message, status=422)
    return RedirectResponse(f"/batch-import?run_id={run.id}", status_code=303)
