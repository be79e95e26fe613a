from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ihub.kit.db_types import utc_day
from ihub.kit.repository import TenantRepository
from ihub.models import Order, OrderEvent

CANCELLED = "CANCELLED"
SORTS: dict[str, Any] = {
    "bought_at": Order.bought_at,
    "updated_at": Order.source_updated_at,
    "total": Order.total_cents,
}
IN_CHUNK = 500  # ids per IN (...): well under SQLite's limit on bound parameters


@dataclass(frozen=True)
class OrderFilter:
    status: Sequence[str] = field(default_factory=tuple)
    fulfillment_status: Sequence[str] = field(default_factory=tuple)
    since: datetime | None = None  # bought at or after
    until: datetime | None = None  # bought before
    buyer: str | None = None  # part of the login, e-mail or name
    connection_id: uuid.UUID | None = None


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    """The distinct ``ids`` in lists of at most ``IN_CHUNK``."""
    wanted = list(set(ids))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]


class OrderRepository(TenantRepository[Order]):
    model = Order

    def _where(self, f: OrderFilter) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [Order.tenant_id == self.tenant_id]
        if f.status:
            where.append(Order.status.in_(f.status))
        if f.fulfillment_status:
            where.append(Order.fulfillment_status.in_(f.fulfillment_status))
        if f.since:
            where.append(Order.bought_at >= f.since)
        if f.until:
            where.append(Order.bought_at < f.until)
        if f.connection_id:
            where.append(Order.connection_id == f.connection_id)
        if f.buyer:
            where.append(
                or_(
                    *(
                        column.icontains(f.buyer, autoescape=True)
                        for column in (Order.buyer_login, Order.buyer_email, Order.buyer_name)
                    )
                )
            )
        return where

    def search(self, f: OrderFilter, sort: str = "-bought_at") -> Select[Order]:
        column = SORTS[sort.lstrip("-")]
        order = column.desc() if sort.startswith("-") else column.asc()
        return select(Order).where(*self._where(f)).order_by(order, Order.id)

    def by_external_ids(self, connection_id: uuid.UUID, ids: Iterable[str]) -> dict[str, Order]:
        found: dict[str, Order] = {}
        for chunk in _chunks(ids):
            stmt = self.select(Order.connection_id == connection_id, Order.external_id.in_(chunk))
            found.update((order.external_id, order) for order in self.session.scalars(stmt))
        return found

    def versions(
        self, connection_id: uuid.UUID, ids: Iterable[str]
    ) -> dict[str, tuple[str | None, datetime]]:
        """``external id -> (revision, source_updated_at)`` of the orders held."""
        found: dict[str, tuple[str | None, datetime]] = {}
        for chunk in _chunks(ids):
            stmt = select(Order.external_id, Order.revision, Order.source_updated_at).where(
                Order.tenant_id == self.tenant_id,
                Order.connection_id == connection_id,
                Order.external_id.in_(chunk),
            )
            found.update((row[0], (row[1], row[2])) for row in self.session.execute(stmt))
        return found

    def add_all(self, orders: Sequence[Order]) -> None:
        for order in orders:
            order.tenant_id = self.tenant_id
        self.session.add_all(orders)
        self.session.flush()

    def stats_by_day(self, f: OrderFilter) -> list[tuple[date, str, int, int]]:
        """``(day, currency, orders, revenue in cents without cancelled orders)``."""
        day = utc_day(Order.bought_at)
        revenue = func.sum(case((Order.status != CANCELLED, Order.total_cents), else_=0))
        stmt = (
            select(day, Order.currency, func.count(), revenue)
            .where(*self._where(f))
            .group_by(day, Order.currency)
            .order_by(day, Order.currency)
        )
        return [(d, c, int(n), int(cents or 0)) for d, c, n, cents in self.session.execute(stmt)]

    def stats_by_status(self, f: OrderFilter) -> list[tuple[str, str, int, int]]:
        """``(status, currency, orders, sum of their totals in cents)``."""
        stmt = (
            select(Order.status, Order.currency, func.count(), func.sum(Order.total_cents))
            .where(*self._where(f))
            .group_by(Order.status, Order.currency)
            .order_by(Order.status, Order.currency)
        )
        return [(s, c, int(n), int(cents or 0)) for s, c, n, cents in self.session.execute(stmt)]


class OrderEventRepository(TenantRepository[OrderEvent]):
    model = OrderEvent

    def add_new(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert events, skipping ones already held (by id, or by form, type and time);
        returns how many were new."""
        if not rows:
            return 0
        dialect = self.session.get_bind().dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        # One statement, many parameter sets: SQLAlchemy batches them into multi-row INSERTs.
        # RETURNING names only the rows really inserted (rowcount is not reliable for that).
        stmt = insert(OrderEvent).on_conflict_do_nothing().returning(OrderEvent.id)
        inserted = self.session.execute(
            stmt, [{**row, "tenant_id": self.tenant_id} for row in rows]
        )
        return len(inserted.all())

    def for_form(self, connection_id: uuid.UUID, form_id: str) -> Sequence[OrderEvent]:
        stmt = self.select(
            OrderEvent.connection_id == connection_id, OrderEvent.checkout_form_id == form_id
        ).order_by(OrderEvent.occurred_at, OrderEvent.id)
        return self.list(stmt)
