"""Production API: work centers, batches (with import and export), analytics and reports."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ihub.db import SessionDep
from ihub.errors import NotFound, Unprocessable
from ihub.kit.export import stream_export
from ihub.kit.pagination import Page, PageParams, PageQuery
from ihub.kit.params import OptionalDateTime, OptionalUUID
from ihub.models import Batch, BatchStatus, ReportFormat
from ihub.production import analytics, cache, importer, reports, service
from ihub.production.repository import BatchFilter, BatchRepository, ProductLookup
from ihub.production.schemas import (
    BatchCreate,
    BatchDetail,
    BatchPage,
    BatchSort,
    BatchTransition,
    BatchUpdate,
    Dashboard,
    OutputSeries,
    ProductOutput,
    ReportCreate,
    ReportRead,
    StatusChangeRead,
    WorkCenterAnalytics,
    WorkCenterCreate,
    WorkCenterRead,
    WorkCenterUpdate,
)
from ihub.production.tabular import CONTENT_TYPES, write_table
from ihub.runs import service as runs
from ihub.runs.schemas import RunRead
from ihub.tenants.auth import Admin, Operator, Principal, Viewer

XLSX_EXPORT_LIMIT = 100_000  # beyond this, CSV streams; an XLSX is built whole first

work_centers_router = APIRouter(prefix="/work-centers", tags=["production"])
batches_router = APIRouter(prefix="/batches", tags=["production"])
products_router = APIRouter(prefix="/products", tags=["production"])
analytics_router = APIRouter(prefix="/analytics", tags=["production"])
reports_router = APIRouter(prefix="/reports", tags=["production"])


# --- work centers ---


@work_centers_router.get("", response_model=Page[WorkCenterRead])
def list_work_centers(
    principal: Viewer, session: SessionDep, page: PageQuery, active: bool | None = None
) -> Page[WorkCenterRead]:
    """Work centers by code."""
    items, total = service.list_work_centers(session, principal.tenant_id, page, active)
    return Page.of((WorkCenterRead.model_validate(w) for w in items), total, page)


@work_centers_router.post("", response_model=WorkCenterRead, status_code=201)
def create_work_center(
    principal: Admin, session: SessionDep, body: WorkCenterCreate
) -> WorkCenterRead:
    """Create a work center; its code is unique in the tenant."""
    return WorkCenterRead.model_validate(
        service.create_work_center(session, principal.tenant_id, principal.actor, body)
    )


@work_centers_router.get("/{work_center_id}", response_model=WorkCenterRead)
def get_work_center(
    principal: Viewer, session: SessionDep, work_center_id: uuid.UUID
) -> WorkCenterRead:
    """One work center."""
    return WorkCenterRead.model_validate(
        service.get_work_center(session, principal.tenant_id, work_center_id)
    )


@work_centers_router.patch("/{work_center_id}", response_model=WorkCenterRead)
def update_work_center(
    principal: Admin, session: SessionDep, work_center_id: uuid.UUID, body: WorkCenterUpdate
) -> WorkCenterRead:
    """Change a work center; `active: false` keeps its history but takes no new batches."""
    return WorkCenterRead.model_validate(
        service.update_work_center(
            session, principal.tenant_id, principal.actor, work_center_id, body
        )
    )


@work_centers_router.delete("/{work_center_id}", status_code=204)
def delete_work_center(
    principal: Admin, session: SessionDep, work_center_id: uuid.UUID
) -> Response:
    """Delete a work center without batches (409 otherwise: deactivate it instead)."""
    service.delete_work_center(session, principal.tenant_id, principal.actor, work_center_id)
    return Response(status_code=204)


# --- batches ---


async def batch_filter(
    status: Annotated[list[BatchStatus] | None, Query()] = None,
    work_center_id: Annotated[OptionalUUID, Query()] = None,
    product_id: Annotated[OptionalUUID, Query()] = None,
    planned_from: Annotated[
        OptionalDateTime, Query(description="Planned start at or after.")
    ] = None,
    planned_to: Annotated[OptionalDateTime, Query(description="Planned start before.")] = None,
    finished_from: Annotated[OptionalDateTime, Query(description="Finished at or after.")] = None,
    finished_to: Annotated[OptionalDateTime, Query(description="Finished before.")] = None,
    q: Annotated[
        str | None, Query(max_length=64, description="Batch number prefix, any case.")
    ] = None,
    sort: BatchSort | None = None,
) -> BatchFilter:
    return BatchFilter(
        status=tuple(status or ()),
        work_center_id=work_center_id,
        product_id=product_id,
        planned_from=planned_from,
        planned_to=planned_to,
        finished_from=finished_from,
        finished_to=finished_to,
        number=q.strip() or None if q else None,
        sort=sort or ("number" if q else "-planned_start"),  # a prefix walks the number index
    )


BatchFilterDep = Annotated[BatchFilter, Depends(batch_filter)]


@batches_router.get("", response_model=BatchPage)
def list_batches(
    principal: Viewer,
    session: SessionDep,
    filters: BatchFilterDep,
    page: PageQuery,
    format: Annotated[
        Literal["json", "csv", "xlsx"],
        Query(description="csv and xlsx export every match (times in the tenant's zone)."),
    ] = "json",
) -> Response:
    """Batches, filtered, sorted and paged; or the whole selection as CSV or XLSX.

    Counting stops at 1 000 matches, or at the requested page, whichever is further
    (`total_exact` false: `total` is then a floor); pages are served within 10 000 matches.
    A number search (`q`) sorts by number unless `sort` says otherwise.
    """
    if format != "json":
        return export_batches(session, principal, filters, ReportFormat(format))
    tenant_id = principal.tenant_id
    body = cache.cached(
        session,
        tenant_id,
        ("batch page", filters, page.page, page.page_size),
        lambda: _batch_page(session, tenant_id, filters, page),
    )
    return Response(body, media_type="application/json")


def _batch_page(
    session: Session, tenant_id: uuid.UUID, filters: BatchFilter, page: PageParams
) -> bytes:
    rows, total, exact = service.list_batches(session, tenant_id, filters, page)
    document = BatchPage(
        items=rows, total=total, total_exact=exact, page=page.page, page_size=page.page_size
    )
    return document.model_dump_json().encode()


def _json(model: BaseModel) -> Response:
    """Hot read paths send the model as built: FastAPI would validate it a second time."""
    return Response(model.model_dump_json(), media_type="application/json")


def export_batches(
    session: Session, principal: Principal, filters: BatchFilter, fmt: ReportFormat
) -> StreamingResponse:
    zone = analytics.tenant_zone(session, principal.tenant_id)

    def rows() -> Iterator[list[Any]]:
        return reports.register_rows(principal.tenant_id, filters, zone)

    if fmt == ReportFormat.csv:
        return stream_export(
            lambda: (dict(zip(reports.REGISTER_COLUMNS, r, strict=True)) for r in rows()),
            reports.REGISTER_COLUMNS,
            "csv",
            "batches",
        )
    counted = BatchRepository(session, principal.tenant_id).count_up_to(
        filters, XLSX_EXPORT_LIMIT + 1
    )
    if counted > XLSX_EXPORT_LIMIT:
        raise Unprocessable(
            f"More than {XLSX_EXPORT_LIMIT} batches match: export CSV, narrow the filters, "
            "or request a batch register report."
        )
    return StreamingResponse(
        _xlsx(rows()),
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": 'attachment; filename="batches.xlsx"'},
    )


def _xlsx(rows: Iterator[list[Any]]) -> Iterator[bytes]:
    """XLSX is a zip written at the end, so it is built in a spooled file, then streamed."""
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as out:
        write_table(out, ReportFormat.xlsx, reports.REGISTER_COLUMNS, rows)
        out.seek(0)
        while chunk := out.read(64 * 1024):
            yield chunk


@batches_router.post("", response_model=BatchDetail, status_code=201)
def create_batch(principal: Operator, session: SessionDep, body: BatchCreate) -> BatchDetail:
    """Plan a batch; it starts `planned`."""
    batch = service.create_batch(session, principal.tenant_id, principal.actor, body)
    return _detail(batch)


@batches_router.post("/import", response_model=RunRead, status_code=202)
def import_batches(
    principal: Operator,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="A .csv or .xlsx table with a header row.")],
    dry_run: Annotated[bool, Form(description="Only report what would change.")] = False,
) -> RunRead:
    """Start an import run; bad rows become per-row errors (row, column, reason)."""
    run = importer.start(
        session,
        principal.tenant_id,
        principal.actor,
        file.file,
        file.filename or "upload",
        dry_run=dry_run,
        trigger="api",
    )
    return runs.document(run)


def _detail(batch: Batch) -> BatchDetail:
    return BatchDetail.model_validate(
        {
            **service.document(batch).model_dump(),
            "history": [StatusChangeRead.model_validate(h) for h in batch.history],
        }
    )


@batches_router.get("/{batch_id}", response_model=BatchDetail)
def get_batch(principal: Viewer, session: SessionDep, batch_id: uuid.UUID) -> BatchDetail:
    """One batch with its status history."""
    return _detail(service.get_batch(session, principal.tenant_id, batch_id))


@batches_router.patch("/{batch_id}", response_model=BatchDetail)
def update_batch(
    principal: Operator, session: SessionDep, batch_id: uuid.UUID, body: BatchUpdate
) -> BatchDetail:
    """Change plan fields (while planned), quantities (once started) or notes."""
    batch = service.update_batch(session, principal.tenant_id, principal.actor, batch_id, body)
    return _detail(batch)


@batches_router.delete("/{batch_id}", status_code=204)
def delete_batch(principal: Operator, session: SessionDep, batch_id: uuid.UUID) -> Response:
    """Delete a planned batch (409 for any other status: cancel it instead)."""
    service.delete_batch(session, principal.tenant_id, principal.actor, batch_id)
    return Response(status_code=204)


@batches_router.post("/{batch_id}/transition", response_model=BatchDetail)
def transition_batch(
    principal: Operator, session: SessionDep, batch_id: uuid.UUID, body: BatchTransition
) -> BatchDetail:
    """planned → in_progress → completed; planned | in_progress → cancelled. 409 says why not."""
    batch = service.transition(session, principal.tenant_id, principal.actor, batch_id, body)
    return _detail(batch)


# --- per product output ---

DateFrom = Annotated[date | None, Query(description="First local day; default 29 days ago.")]
DateTo = Annotated[date | None, Query(description="Last local day (inclusive); default today.")]


@products_router.get("/{product_id}/output", response_model=ProductOutput)
def product_output(
    principal: Viewer,
    session: SessionDep,
    product_id: uuid.UUID,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> ProductOutput:
    """A product's output (produced, defective, yield) over a period of local days."""
    product = ProductLookup(session, principal.tenant_id).get(product_id)
    if product is None:
        raise NotFound("Product not found.")
    win = analytics.window(session, principal.tenant_id, date_from, date_to)
    return analytics.product_output(session, principal.tenant_id, product, win)


# --- analytics ---


@analytics_router.get("/dashboard", response_model=Dashboard)
def dashboard(principal: Viewer, session: SessionDep) -> Response:
    """Active batches, output today / this week / last 30 days, in the tenant's timezone."""
    return _json(analytics.dashboard(session, principal.tenant_id))


@analytics_router.get("/work-centers", response_model=WorkCenterAnalytics)
def work_center_analytics(
    principal: Viewer, session: SessionDep, date_from: DateFrom = None, date_to: DateTo = None
) -> Response:
    """Load (plan against capacity) and output per work center over a period."""
    win = analytics.window(session, principal.tenant_id, date_from, date_to)
    return _json(analytics.work_centers(session, principal.tenant_id, win))


@analytics_router.get("/output", response_model=OutputSeries)
def output(
    principal: Viewer,
    session: SessionDep,
    group_by: analytics.GroupBy = "day",
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> Response:
    """Output of completed batches per local day, ISO week or product; empty days are zeros."""
    win = analytics.window(session, principal.tenant_id, date_from, date_to)
    return _json(analytics.output(session, principal.tenant_id, win, group_by))


# --- reports ---


def _absolute(request: Request) -> Callable[[str], str]:
    base = str(request.base_url).rstrip("/")
    return lambda path: base + path


@reports_router.post("", response_model=ReportRead, status_code=202)
def request_report(
    principal: Operator, session: SessionDep, request: Request, body: ReportCreate
) -> ReportRead:
    """Start a report run; `GET /reports/{id}` gives the download link once it is written."""
    report = reports.request_report(session, principal.tenant_id, principal.actor, body, "api")
    return reports.documents(session, principal.tenant_id, [report], _absolute(request))[0]


@reports_router.get("", response_model=Page[ReportRead])
def list_reports(
    principal: Viewer, session: SessionDep, request: Request, page: PageQuery
) -> Page[ReportRead]:
    """Reports, newest first."""
    items, total = reports.list_reports(session, principal.tenant_id, page)
    documents = reports.documents(session, principal.tenant_id, items, _absolute(request))
    return Page.of(documents, total, page)


@reports_router.get("/{report_id}", response_model=ReportRead)
def get_report(
    principal: Viewer, session: SessionDep, request: Request, report_id: uuid.UUID
) -> ReportRead:
    """A report's status and, once written, a signed download link that expires."""
    report = reports.get_report(session, principal.tenant_id, report_id)
    return reports.documents(session, principal.tenant_id, [report], _absolute(request))[0]


routers = (  # the most requested first (see ihub.api)
    batches_router,
    analytics_router,
    work_centers_router,
    products_router,
    reports_router,
)
