"""Production reports: what each kind contains, and the run that writes one to file storage.

Tables for people show times in the tenant's timezone. The batch register doubles as the
export format of the batch list, and as the import format (extra columns are ignored).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, selectinload

from ihub import audit, webhooks
from ihub.audit.actor import Actor
from ihub.db import get_database
from ihub.errors import NotFound
from ihub.files import service as files
from ihub.kit.failures import Terminal
from ihub.kit.pagination import PageParams
from ihub.models import Batch, Report, ReportKind, Run
from ihub.production import analytics
from ihub.production.repository import (
    BatchFilter,
    BatchRepository,
    ProductLookup,
    ReportRepository,
)
from ihub.production.schemas import ReportCreate, ReportRead
from ihub.production.service import good_quantity, yield_pct
from ihub.production.tabular import CONTENT_TYPES, local_time, write_table
from ihub.runs import service as runs
from ihub.runs.context import RunContext
from ihub.runs.repository import RunRepository

REPORT_KIND = "production.report"
SAVE_EVERY = 10_000  # rows between progress commits
EXPORT_BATCH = 1000

REGISTER_COLUMNS = [
    "number",
    "status",
    "product",
    "product_name",
    "work_center",
    "planned_quantity",
    "produced_quantity",
    "defective_quantity",
    "good_quantity",
    "yield_pct",
    "unit",
    "planned_start",
    "planned_finish",
    "actual_start",
    "actual_finish",
    "notes",
]
OUTPUT_COLUMNS = ["batches", "produced", "defective", "good", "defect_rate_pct"]
PRODUCT_COLUMNS = ["product", "product_name", "unit", *OUTPUT_COLUMNS]
LOAD_COLUMNS = [
    "work_center",
    "name",
    "active",
    "capacity",
    "planned_quantity",
    "load_pct",
    "utilization_pct",
    *OUTPUT_COLUMNS,
]


def register_row(batch: Batch, zone: ZoneInfo) -> list[Any]:
    product = batch.product
    return [
        batch.number,
        batch.status.value,
        product.sku or product.code or product.name,
        product.name,
        batch.work_center.code,
        batch.planned_quantity,
        batch.produced_quantity,
        batch.defective_quantity,
        good_quantity(batch.produced_quantity, batch.defective_quantity),
        yield_pct(batch.produced_quantity, batch.defective_quantity),
        batch.unit,
        local_time(batch.planned_start, zone),
        local_time(batch.planned_finish, zone),
        local_time(batch.actual_start, zone),
        local_time(batch.actual_finish, zone),
        batch.notes,
    ]


def register_rows(tenant_id: uuid.UUID, f: BatchFilter, zone: ZoneInfo) -> Iterator[list[Any]]:
    """Every batch matching ``f``, read in batches from a read-only session of its own."""
    with get_database().scope(write=False) as session:
        stmt = BatchRepository(session, tenant_id).matching(f)
        stmt = stmt.order_by(Batch.planned_start, Batch.id).options(
            selectinload(Batch.product), selectinload(Batch.work_center)
        )
        for batch in session.scalars(stmt.execution_options(yield_per=EXPORT_BATCH)):
            yield register_row(batch, zone)


def _totals_row(totals: Any) -> list[Any]:
    return [getattr(totals, name) for name in OUTPUT_COLUMNS]


def _table(
    session: Session, report: Report, zone: ZoneInfo
) -> tuple[list[str], Iterator[list[Any]]]:
    win = analytics.Window(report.date_from, report.date_to, zone)
    if report.kind == ReportKind.batch_register:
        f = BatchFilter(planned_from=win.start, planned_to=win.end)
        return REGISTER_COLUMNS, register_rows(report.tenant_id, f, zone)
    if report.kind == ReportKind.output_by_product:
        series = analytics.output(session, report.tenant_id, win, "product")
        ids = [uuid.UUID(point.key) for point in series.items]
        products = ProductLookup(session, report.tenant_id).by_ids(ids)

        def product_rows() -> Iterator[list[Any]]:
            for point in series.items:
                product = products[uuid.UUID(point.key)]
                code = product.sku or product.code
                yield [code, point.label, product.unit, *_totals_row(point.output)]

        return PRODUCT_COLUMNS, product_rows()
    load = analytics.work_centers(session, report.tenant_id, win)
    return LOAD_COLUMNS, (
        [
            w.code,
            w.name,
            w.active,
            w.capacity,
            w.planned_quantity,
            w.load_pct,
            w.utilization_pct,
            *_totals_row(w.output),
        ]
        for w in load.items
    )


def filename(report: Report) -> str:
    return f"{report.kind.value}_{report.date_from}_{report.date_to}.{report.format.value}"


def write(ctx: RunContext, report_id: uuid.UUID) -> None:
    """The body of a report run: build the table, write the file, store it, say it is ready."""
    report = ReportRepository(ctx.session, ctx.tenant_id).get(report_id)
    if report is None:
        raise Terminal(f"Report {report_id} no longer exists.")
    if report.file_id is not None:
        return  # written by an earlier attempt that committed
    zone = analytics.tenant_zone(ctx.session, ctx.tenant_id)
    step = ctx.step("write file")
    columns, rows = _table(ctx.session, report, zone)

    def counted() -> Iterator[list[Any]]:
        for n, row in enumerate(rows, 1):
            step.add(processed=1, inserted=1)
            if n % SAVE_EVERY == 0:
                ctx.save()  # progress is visible while a large register is written
            yield row

    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        report.rows = write_table(out, report.format, columns, counted())
        stored = files.save(
            ctx.session,
            ctx.tenant_id,
            out,
            filename=filename(report),
            content_type=CONTENT_TYPES[report.format],
            purpose="report",
            expires_at=files.retention_deadline(),
        )
    report.file_id = stored.id
    step.complete()
    ctx.log(f"Report {stored.filename} written: {report.rows} rows.", status="ready")
    webhooks.emit(
        ctx.session,
        ctx.tenant_id,
        "report.ready",
        {
            "report_id": str(report.id),
            "kind": report.kind.value,
            "format": report.format.value,
            "rows": report.rows,
            "file_id": str(stored.id),
            "expires_at": stored.expires_at,
        },
    )
    ctx.save()


# --- requesting and reading reports ---


def request_report(
    session: Session, tenant_id: uuid.UUID, actor: Actor, data: ReportCreate, trigger: str
) -> Report:
    win = analytics.window(session, tenant_id, data.date_from, data.date_to)
    report = ReportRepository(session, tenant_id).add(
        Report(
            kind=data.kind,
            format=data.format,
            date_from=win.first,
            date_to=win.last,
            requested_by=actor.label,
        )
    )
    run = runs.create_run(
        session,
        tenant_id,
        REPORT_KIND,
        {"report_id": str(report.id)},
        actor=actor,
        trigger=trigger,
    )
    report.run_id = run.id
    audit.record(
        session,
        tenant_id,
        actor,
        "report.requested",
        "report",
        report.id,
        data.model_dump(mode="json"),
    )
    return report


def get_report(session: Session, tenant_id: uuid.UUID, report_id: uuid.UUID) -> Report:
    report = ReportRepository(session, tenant_id).get(report_id)
    if report is None:
        raise NotFound("Report not found.")
    return report


def list_reports(
    session: Session, tenant_id: uuid.UUID, params: PageParams
) -> tuple[list[Report], int]:
    repository = ReportRepository(session, tenant_id)
    rows, total = repository.page(repository.search(), params)
    return list(rows), total


_REPORT_COLUMNS = [name for name in ReportRead.model_fields if hasattr(Report, name)]


def documents(
    session: Session,
    tenant_id: uuid.UUID,
    reports: list[Report],
    link: Callable[[str], str] = lambda path: path,
) -> list[ReportRead]:
    """Reports with their run's status and, once written, a signed download link."""
    run_ids = [r.run_id for r in reports if r.run_id]
    file_ids = [r.file_id for r in reports if r.file_id]
    run_repo = RunRepository(session, tenant_id)
    statuses = {run.id: run.status for run in run_repo.list(run_repo.select(Run.id.in_(run_ids)))}
    stored = files.by_ids(session, tenant_id, file_ids)
    items = []
    for report in reports:
        file = stored.get(report.file_id) if report.file_id else None
        url, expires = files.download_link(file) if file else (None, None)
        items.append(
            ReportRead.model_validate(
                {
                    **{name: getattr(report, name) for name in _REPORT_COLUMNS},
                    "status": statuses.get(report.run_id) if report.run_id else None,
                    "filename": file.filename if file else None,
                    "size": file.size if file else None,
                    "download_url": link(url) if url else None,
                    "download_expires_at": expires,
                }
            )
        )
    return items
