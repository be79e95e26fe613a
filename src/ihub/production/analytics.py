"""Production figures computed in SQL, in the tenant's timezone, with empty periods as zeros.

Days and weeks are the tenant's local ones. SQLite knows no timezones, so instead of
truncating timestamps in SQL, every bucket's [start, end) is computed here in UTC (DST
included) and sent as a small derived table; the database joins completed batches to it on
the finish time. The join reads only the partial covering index ``ix_batches_completed_output``
and a bucket without batches still comes back, as zeros. The same SQL runs on both databases.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ihub.errors import Unprocessable
from ihub.kit.clock import utcnow
from ihub.kit.db_types import UTCDateTime
from ihub.models import Batch, BatchStatus, Product
from ihub.production import cache
from ihub.production.repository import BatchRepository, ProductLookup, WorkCenterRepository
from ihub.production.schemas import (
    Dashboard,
    OutputPoint,
    OutputSeries,
    OutputTotals,
    Period,
    ProductOutput,
    WorkCenterAnalytics,
    WorkCenterLoad,
)
from ihub.production.service import good_quantity
from ihub.tenants import service as tenants

MAX_DAYS = 366
DEFAULT_DAYS = 30
GroupBy = Literal["day", "week", "product"]

# A literal (not a bound parameter) so PostgreSQL matches the partial index in every plan.
_COMPLETED = Batch.status == literal_column(f"'{BatchStatus.completed.value}'")


@dataclass(frozen=True)
class Window:
    """Local dates ``first``..``last`` (inclusive) in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    def instant(self, day: date) -> datetime:
        """The UTC moment local ``day`` begins."""
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self.instant(self.first)

    @property
    def end(self) -> datetime:
        return self.instant(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def period(self) -> Period:
        return Period(date_from=self.first, date_to=self.last, timezone=str(self.zone))


def tenant_zone(session: Session, tenant_id: uuid.UUID) -> ZoneInfo:
    return ZoneInfo(tenants.tenant_timezone(session, tenant_id))


def today(zone: ZoneInfo) -> date:
    return utcnow().astimezone(zone).date()


def window(
    session: Session, tenant_id: uuid.UUID, date_from: date | None, date_to: date | None
) -> Window:
    """The requested period; by default the last 30 local days up to today."""
    zone = tenant_zone(session, tenant_id)
    last = date_to or today(zone)
    first = date_from or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Unprocessable("date_from is after date_to.")
    if (last - first).days + 1 > MAX_DAYS:
        raise Unprocessable(f"A period spans at most {MAX_DAYS} days.")
    return Window(first, last, zone)


def _totals(batches: Any, produced: Any, defective: Any) -> OutputTotals:
    produced, defective = float(produced or 0), float(defective or 0)
    rate = round(100 * defective / produced, 2) if produced else None
    return OutputTotals(
        batches=int(batches or 0),
        produced=produced,
        defective=defective,
        good=good_quantity(produced, defective),
        defect_rate_pct=rate,
    )


def _output_columns() -> tuple[ColumnElement[Any], ...]:
    # count() of an indexed column keeps the query inside the covering index.
    return (
        func.count(Batch.actual_finish),
        func.sum(Batch.produced_quantity),
        func.sum(Batch.defective_quantity),
    )


def _completed_between(batches: BatchRepository, start: datetime, end: datetime) -> Select[Any]:
    return batches.aggregate(*_output_columns()).where(
        _COMPLETED,
        Batch.actual_finish >= start,
        Batch.actual_finish < end,
    )


def _output(session: Session, stmt: Select[Any]) -> OutputTotals:
    return _totals(*session.execute(stmt).one())


def _status_count(batches: BatchRepository, status: BatchStatus) -> int:
    stmt = batches.aggregate(func.count()).where(Batch.status == status)
    return batches.session.scalar(stmt) or 0


def dashboard(session: Session, tenant_id: uuid.UUID) -> Dashboard:
    zone = tenant_zone(session, tenant_id)
    day = today(zone)
    return cache.cached(
        session, tenant_id, ("dashboard", day), lambda: _dashboard(session, tenant_id, zone, day)
    )


def _dashboard(session: Session, tenant_id: uuid.UUID, zone: ZoneInfo, day: date) -> Dashboard:
    batches = BatchRepository(session, tenant_id)
    now = utcnow()
    monday = day - timedelta(days=day.weekday())
    this_week = Window(monday, day, zone)
    month = Window(day - timedelta(days=DEFAULT_DAYS - 1), day, zone)
    return Dashboard(
        timezone=str(zone),
        active_batches=_status_count(batches, BatchStatus.in_progress),
        planned_batches=_status_count(batches, BatchStatus.planned),
        today=_output(session, _completed_between(batches, Window(day, day, zone).start, now)),
        this_week=_output(session, _completed_between(batches, this_week.start, now)),
        last_30_days=_output(session, _completed_between(batches, month.start, now)),
    )


def _spans(win: Window, group_by: Literal["day", "week"]) -> list[tuple[str, str, date, date]]:
    """(key, label, first day, day after last) per bucket, clipped to the window."""
    spans = []
    if group_by == "day":
        for n in range(win.days):
            day = win.first + timedelta(days=n)
            spans.append((day.isoformat(), day.isoformat(), day, day + timedelta(days=1)))
        return spans
    week = win.first - timedelta(days=win.first.weekday())
    while week <= win.last:
        year, number, _ = week.isocalendar()
        first, after = max(week, win.first), min(week + timedelta(days=7), win.last + timedelta(1))
        spans.append((week.isoformat(), f"{year}-W{number:02d}", first, after))
        week += timedelta(days=7)
    return spans


def _buckets(win: Window, spans: Sequence[tuple[str, str, date, date]]) -> FromClause:
    """The buckets as a derived table (UNION ALL of literals: SQLite has no VALUES alias)."""
    rows = [
        select(
            literal(key, String()).label("key"),
            literal(win.instant(first), UTCDateTime()).label("lo"),
            literal(win.instant(after), UTCDateTime()).label("hi"),
        )
        for key, _, first, after in spans
    ]
    return union_all(*rows).subquery("buckets")


def output(session: Session, tenant_id: uuid.UUID, win: Window, group_by: GroupBy) -> OutputSeries:
    return cache.cached(
        session,
        tenant_id,
        ("output", win, group_by),
        lambda: _output_series(session, tenant_id, win, group_by),
    )


def _output_series(
    session: Session, tenant_id: uuid.UUID, win: Window, group_by: GroupBy
) -> OutputSeries:
    batches = BatchRepository(session, tenant_id)
    if group_by == "product":
        items = _output_by_product(session, tenant_id, win)
    else:
        spans = _spans(win, group_by)
        buckets = _buckets(win, spans)
        stmt = (
            select(buckets.c.key, *_output_columns())
            .select_from(buckets)
            .outerjoin(
                Batch,
                batches.owned()
                & _COMPLETED
                & (Batch.actual_finish >= buckets.c.lo)
                & (Batch.actual_finish < buckets.c.hi),
            )
            .group_by(buckets.c.key)
        )
        found = {key: _totals(*values) for key, *values in session.execute(stmt).all()}
        items = [OutputPoint(key=key, label=label, output=found[key]) for key, label, *_ in spans]
    total = _output(session, _completed_between(batches, win.start, win.end))
    return OutputSeries(period=win.period(), group_by=group_by, items=items, total=total)


def _output_by_product(session: Session, tenant_id: uuid.UUID, win: Window) -> list[OutputPoint]:
    stmt = (
        _completed_between(BatchRepository(session, tenant_id), win.start, win.end)
        .add_columns(Batch.product_id)
        .group_by(Batch.product_id)
    )
    rows = session.execute(stmt).all()
    products = ProductLookup(session, tenant_id).by_ids([row[3] for row in rows])
    items = [
        OutputPoint(key=str(product_id), label=products[product_id].name, output=_totals(*values))
        for *values, product_id in rows
    ]
    return sorted(items, key=lambda item: (-item.output.produced, item.label))


def product_output(
    session: Session, tenant_id: uuid.UUID, product: Product, win: Window
) -> ProductOutput:
    batches = BatchRepository(session, tenant_id)
    stmt = _completed_between(batches, win.start, win.end).where(Batch.product_id == product.id)
    return ProductOutput(
        product_id=product.id,
        name=product.name,
        unit=product.unit,
        period=win.period(),
        output=cache.cached(
            session, tenant_id, ("product", product.id, win), lambda: _output(session, stmt)
        ),
    )


def work_centers(session: Session, tenant_id: uuid.UUID, win: Window) -> WorkCenterAnalytics:
    return cache.cached(
        session, tenant_id, ("work_centers", win), lambda: _work_centers(session, tenant_id, win)
    )


def _work_centers(session: Session, tenant_id: uuid.UUID, win: Window) -> WorkCenterAnalytics:
    """Per work center: output of batches finished in the period, and the plan against capacity.

    Load is the planned quantity of (not cancelled) batches starting in the period against
    what the work center can make in it; utilization is the produced quantity against it.
    """
    batches = BatchRepository(session, tenant_id)
    made = {
        row[3]: _totals(*row[:3])
        for row in session.execute(
            _completed_between(batches, win.start, win.end)
            .add_columns(Batch.work_center_id)
            .group_by(Batch.work_center_id)
        ).all()
    }
    planned_stmt = (
        batches.aggregate(Batch.work_center_id, func.sum(Batch.planned_quantity))
        .where(
            Batch.status != BatchStatus.cancelled,
            Batch.planned_start >= win.start,
            Batch.planned_start < win.end,
        )
        .group_by(Batch.work_center_id)
    )
    planned = {wc: float(qty or 0) for wc, qty in session.execute(planned_stmt).all()}
    centers = WorkCenterRepository(session, tenant_id)
    items = []
    for center in centers.list(centers.search()):
        capacity = center.capacity_per_shift * center.shifts_per_day * win.days
        totals = made.get(center.id) or _totals(0, 0, 0)
        items.append(
            WorkCenterLoad(
                work_center_id=center.id,
                code=center.code,
                name=center.name,
                active=center.active,
                capacity=round(capacity, 3),
                planned_quantity=planned.get(center.id, 0.0),
                load_pct=_pct(planned.get(center.id, 0.0), capacity),
                output=totals,
                utilization_pct=_pct(totals.produced, capacity),
            )
        )
    return WorkCenterAnalytics(period=win.period(), items=items)


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None
