"""Batch import from CSV/XLSX as a run: each bad row becomes an error, the good rows load.

Rows are matched to batches by number: a new number creates a planned batch, a known one
updates its plan (only while it is planned). With ``dry_run`` nothing is written and the
counters say what would change. Columns (header names, any order, case-insensitive):
number, product (SKU, 1C code or exact name), work_center (code), planned_quantity,
planned_start, and optionally unit, planned_finish, notes. Other columns, such as those
of the export, are ignored. Times without a timezone are the tenant's local time.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import IO, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session

from ihub import audit, webhooks
from ihub.audit.actor import Actor
from ihub.errors import NotFound, Unprocessable
from ihub.files import service as files
from ihub.kit.failures import Terminal
from ihub.models import Batch, BatchStatus, Product, Run, WorkCenter
from ihub.production import analytics, cache
from ihub.production.repository import BatchRepository, ProductLookup, WorkCenterRepository
from ihub.production.service import DEFAULT_UNIT, event_data, record_change
from ihub.production.tabular import CONTENT_TYPES, UnreadableTable, format_of, read_table
from ihub.runs import service as runs
from ihub.runs.context import RunContext, Step

IMPORT_KIND = "production.import"
SLICE = 500
REQUIRED = ("number", "product", "work_center", "planned_quantity", "planned_start")
PLAN = ("product_id", "work_center_id", "planned_quantity", "unit", "planned_start")
PLAN_OPTIONAL = ("planned_finish", "notes")
CHANGES_SHOWN = 200
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y")


class ImportParams(BaseModel):
    file_id: uuid.UUID
    dry_run: bool = False


class RowError(ValueError):
    def __init__(self, column: str, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.column, self.reason, self.value = column, reason, value


@dataclass
class Row:
    number: int
    values: dict[str, Any]

    def text(self, column: str, limit: int, required: bool = False) -> str | None:
        raw = self.values.get(column)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if required:
                raise RowError(column, "is required")
            return None
        if len(value) > limit:
            raise RowError(column, f"is longer than {limit} characters", value)
        return value

    def quantity(self, column: str) -> float:
        raw = self.values.get(column)
        text = str(raw).strip().replace(" ", "").replace(",", ".") if raw is not None else ""
        try:
            value = float(text)
        except ValueError:
            raise RowError(column, "is not a number", raw) from None
        if not 0 < value <= 1e12:
            raise RowError(column, "must be greater than zero", raw)
        return value

    def moment(self, column: str, zone: ZoneInfo, required: bool = False) -> datetime | None:
        raw = self.values.get(column)
        if isinstance(raw, datetime):  # XLSX cells come typed
            local = raw
        elif isinstance(raw, date):
            local = datetime.combine(raw, time())
        else:
            text = "" if raw is None else str(raw).strip()
            if not text:
                if required:
                    raise RowError(column, "is required")
                return None
            local = _parse_time(text, column)
        if local.tzinfo is None:
            local = local.replace(tzinfo=zone)
        return local.astimezone(UTC)


def _parse_time(text: str, column: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise RowError(column, "is not a date (YYYY-MM-DD [HH:MM] or DD.MM.YYYY [HH:MM])", text)


class Importer:
    """One import run's state: lookups cached across slices, counters on one step."""

    def __init__(self, ctx: RunContext, params: ImportParams, step: Step) -> None:
        self.ctx, self.params, self.step = ctx, params, step
        self.session, self.tenant_id = ctx.session, ctx.tenant_id
        self.zone = analytics.tenant_zone(self.session, self.tenant_id)
        self.actor = Actor("run", str(ctx.run_id), f"import by {ctx.run.triggered_by}")
        self.work_centers: dict[str, WorkCenter] = {}
        self.seen: dict[str, int] = {}
        self.changes: list[dict[str, Any]] = []

    def load(self, rows: list[Row]) -> None:
        repository = BatchRepository(self.session, self.tenant_id)
        self._cache_work_centers(rows)
        products = ProductLookup(self.session, self.tenant_id).by_reference(
            {str(r.values.get("product") or "").strip() for r in rows}
        )
        numbers = {str(r.values.get("number") or "").strip().upper() for r in rows}
        existing = repository.by_numbers(numbers)
        written = self.step.row.inserted + self.step.row.updated
        for row in rows:
            try:
                self._apply(row, *self._parse(row, products), existing, repository)
            except RowError as exc:
                self.step.error(
                    f"{exc.column}: {exc.reason}",
                    external_id=f"row {row.number}",
                    field=exc.column,
                    value=exc.value,
                )
                self.step.add(processed=1)
        if not self.params.dry_run and self.step.row.inserted + self.step.row.updated > written:
            cache.changed(self.session, self.tenant_id)

    def _cache_work_centers(self, rows: list[Row]) -> None:
        codes = {
            str(r.values.get("work_center") or "").strip() for r in rows
        } - self.work_centers.keys()
        self.work_centers.update(WorkCenterRepository(self.session, self.tenant_id).by_codes(codes))

    def _parse(
        self, row: Row, products: dict[str, Product]
    ) -> tuple[dict[str, Any], Product, WorkCenter]:
        number = row.text("number", 64, required=True)
        assert number is not None
        reference = row.text("product", 500, required=True)
        product = products.get(reference or "")
        if product is None:
            raise RowError("product", "no product with this SKU, code or name", reference)
        code = row.text("work_center", 32, required=True)
        work_center = self.work_centers.get(code or "")
        if work_center is None:
            raise RowError("work_center", "no work center with this code", code)
        if not work_center.active:
            raise RowError("work_center", "the work center is inactive", code)
        start = row.moment("planned_start", self.zone, required=True)
        finish = row.moment("planned_finish", self.zone)
        if start and finish and finish < start:
            raise RowError(
                "planned_finish", "is before planned_start", row.values["planned_finish"]
            )
        fields: dict[str, Any] = {
            "number": number.upper(),
            "product_id": product.id,
            "work_center_id": work_center.id,
            "planned_quantity": row.quantity("planned_quantity"),
            "unit": row.text("unit", 20) or product.unit or DEFAULT_UNIT,
            "planned_start": start,
            "planned_finish": finish,
            "notes": row.text("notes", 5000),
        }
        return fields, product, work_center

    def _apply(
        self,
        row: Row,
        fields: dict[str, Any],
        product: Product,
        work_center: WorkCenter,
        existing: dict[str, Batch],
        repository: BatchRepository,
    ) -> None:
        number = fields["number"]
        if (first := self.seen.setdefault(number, row.number)) != row.number:
            raise RowError("number", f"repeats row {first}", number)
        batch = existing.get(number)
        if batch is None:
            self._note(row, number, "insert", {})
            self.step.add(processed=1, inserted=1)
            if not self.params.dry_run:
                created = repository.add(
                    Batch(
                        **fields,
                        product=product,
                        work_center=work_center,
                        status=BatchStatus.planned,
                        produced_quantity=0,
                        defective_quantity=0,
                        history=[],
                    )
                )
                record_change(created, self.actor, None, BatchStatus.planned, None)
                webhooks.emit(self.session, self.tenant_id, "batch.created", event_data(created))
            return
        diff = {
            name: [_plain(getattr(batch, name)), _plain(fields[name])]
            for name in (*PLAN, *PLAN_OPTIONAL)
            if getattr(batch, name) != fields[name]
        }
        if not diff:
            self.step.add(processed=1, unchanged=1)
            return
        if batch.status != BatchStatus.planned:
            raise RowError("number", f"batch is {batch.status.value}; only planned ones change")
        self._note(row, number, "update", diff)
        self.step.add(processed=1, updated=1)
        if not self.params.dry_run:
            for name in diff:
                setattr(batch, name, fields[name])
            batch.product, batch.work_center = product, work_center

    def _note(self, row: Row, number: str, action: str, diff: dict[str, Any]) -> None:
        if len(self.changes) < CHANGES_SHOWN:
            self.changes.append({"row": row.number, "number": number, action: diff or True})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _rows(chunks: Iterator[bytes], filename: str) -> list[Row]:
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as copy:
        for chunk in chunks:
            copy.write(chunk)
        copy.seek(0)
        try:
            return [Row(n, values) for n, values in read_table(copy, format_of(filename))]
        except UnreadableTable as exc:
            raise Terminal(str(exc)) from None


def start(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    source: IO[bytes],
    filename: str,
    *,
    dry_run: bool,
    trigger: str,
) -> Run:
    """Keep the upload in file storage and queue the run that reads it."""
    try:
        fmt = format_of(filename)
    except UnreadableTable as exc:
        raise Unprocessable(str(exc)) from None
    stored = files.save(
        session,
        tenant_id,
        source,
        filename=filename,
        content_type=CONTENT_TYPES[fmt],
        purpose="import",
        expires_at=files.retention_deadline(),
    )
    params = {"file_id": str(stored.id), "dry_run": dry_run}
    return runs.create_run(session, tenant_id, IMPORT_KIND, params, actor=actor, trigger=trigger)


def run_import(ctx: RunContext, params: ImportParams) -> None:
    try:
        stored = files.get_file(ctx.session, ctx.tenant_id, params.file_id)
        rows = _rows(files.read(stored), stored.filename)
    except NotFound as exc:
        raise Terminal(f"The uploaded file is gone: {exc.message}") from None
    if rows:
        missing = [c for c in REQUIRED if c not in rows[0].values]
        if missing:
            raise Terminal(f"{stored.filename}: missing columns {', '.join(missing)}.")
    step = ctx.step("check rows" if params.dry_run else "load rows", total=len(rows))
    importer = Importer(ctx, params, step)
    start = int(ctx.checkpoint.get("row", 0))
    for offset in range(start, len(rows), SLICE):
        importer.load(rows[offset : offset + SLICE])
        ctx.save({"row": offset + SLICE})
    step.complete()
    row = step.row
    verb = "would be" if params.dry_run else "were"
    ctx.log(
        f"{'Dry run of ' if params.dry_run else ''}{stored.filename}: {row.inserted} batches "
        f"{verb} created, {row.updated} {verb} updated, {row.unchanged} unchanged, "
        f"{row.errors} rows rejected.",
        status="dry_run" if params.dry_run else "imported",
        details={"changes": importer.changes},
    )
    if not params.dry_run:
        counts = {"inserted": row.inserted, "updated": row.updated, "rejected": row.errors}
        audit.record(
            ctx.session,
            ctx.tenant_id,
            importer.actor,
            "batches.imported",
            "run",
            ctx.run_id,
            counts,
        )
    ctx.save()
