"""Catalog queries, all scoped to the tenant; bulk writes for imports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Select, or_, text, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from ihub.kit.bulk import insert_many, one_of
from ihub.kit.repository import TenantRepository
from ihub.models import Counterparty, Organization, Product, StockBalance, Warehouse
from ihub.models.base import TenantMixin

M = TypeVar("M", bound=TenantMixin)


@dataclass(frozen=True)
class CatalogFilter:
    q: str | None = None
    connection_id: uuid.UUID | None = None
    valid: bool | None = None
    deletion_mark: bool | None = None
    inn: str | None = None
    legal_form: str | None = None
    source: str | None = None  # products: "local" or "imported"
    product_type: str | None = None
    product_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None
    in_stock: bool | None = None


class BulkRepository(TenantRepository[M]):
    """Page-sized bulk writes for imports."""

    # What an import's per-page lookup of existing rows filters on.
    lookup_columns: ClassVar[tuple[str, ...]] = ("tenant_id", "connection_id", "external_id")

    def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """One statement for the page (the ORM's bulk insert would split the rows into one
        statement per pattern of None values). The rows are the caller's fresh dictionaries;
        the tenant is set here, in place, as everywhere in the repositories."""
        for row in rows:
            row["tenant_id"] = self.tenant_id
        insert_many(self.session.connection(), self.model.__table__, rows)

    def update_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk UPDATE by primary key; ``rows`` carry ``id`` and came from ``existing``."""
        if rows:
            self.session.execute(update(self.model), list(rows))

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics of the table's row count and lookup
        columns (SQLite plans well without); the other columns' statistics, long names
        among them, would take most of the time and serve no import query."""
        if self.session.get_bind().dialect.name == "postgresql":
            columns = ", ".join(self.lookup_columns)
            self.session.execute(text(f"ANALYZE {self.model.__tablename__} ({columns})"))


class ImportedRepository(BulkRepository[M]):
    """Rows imported from an external system, keyed on (connection, external id)."""

    searchable: ClassVar[tuple[str, ...]] = ("name",)

    def existing(
        self, connection_id: uuid.UUID, external_ids: Iterable[str], *columns: str
    ) -> dict[str, Any]:
        """``external_id -> row`` of the given columns (plus id) for one page of keys."""
        model = self.model
        wanted = [model.id, model.external_id, *(getattr(model, c) for c in columns)]
        keys = one_of(model.external_id, list(external_ids), self.session.get_bind().dialect)
        stmt = self.select(model.connection_id == connection_id, keys).with_only_columns(*wanted)
        return {row.external_id: row for row in self.session.execute(stmt)}

    def search(self, f: CatalogFilter) -> Select[M]:
        model = self.model
        stmt = self.select()
        if f.q:
            stmt = stmt.where(
                or_(*(getattr(model, c).icontains(f.q, autoescape=True) for c in self.searchable))
            )
        if f.connection_id:
            stmt = stmt.where(model.connection_id == f.connection_id)
        if f.deletion_mark is not None:
            stmt = stmt.where(model.deletion_mark.is_(f.deletion_mark))
        for condition in self.conditions(f):
            stmt = stmt.where(condition)
        return stmt.order_by(model.name, model.id)

    def conditions(self, f: CatalogFilter) -> list[ColumnElement[bool]]:
        return []


class _Parties(ImportedRepository[M]):
    searchable = ("name", "full_name", "inn")

    def conditions(self, f: CatalogFilter) -> list[ColumnElement[bool]]:
        model = self.model
        found: list[ColumnElement[bool]] = []
        if f.valid is not None:
            found.append(model.is_valid.is_(f.valid))
        if f.inn:
            found.append(model.inn == f.inn)
        if f.legal_form:
            found.append(model.legal_form == f.legal_form)
        return found


class OrganizationRepository(_Parties[Organization]):
    model = Organization


class CounterpartyRepository(_Parties[Counterparty]):
    model = Counterparty


class ProductRepository(ImportedRepository[Product]):
    model = Product
    searchable = ("name", "sku", "code")

    def conditions(self, f: CatalogFilter) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if f.valid is not None:
            found.append(Product.is_valid.is_(f.valid))
        if f.source == "local":
            found.append(Product.connection_id.is_(None))
        elif f.source == "imported":
            found.append(Product.connection_id.is_not(None))
        if f.product_type:
            found.append(Product.product_type == f.product_type)
        return found


class WarehouseRepository(ImportedRepository[Warehouse]):
    model = Warehouse

    def for_connection(self, connection_id: uuid.UUID) -> Sequence[Warehouse]:
        stmt = self.select(Warehouse.connection_id == connection_id).order_by(Warehouse.external_id)
        return self.list(stmt)


class StockRepository(BulkRepository[StockBalance]):
    model = StockBalance
    lookup_columns = ("tenant_id", "connection_id", "product_external_id", "warehouse_external_id")

    def existing(
        self, connection_id: uuid.UUID, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Any]:
        keys = list(keys)
        products = {p for p, _ in keys}
        stmt = self.select(
            StockBalance.connection_id == connection_id,
            StockBalance.product_external_id.in_(products),
            StockBalance.warehouse_external_id.in_({w for _, w in keys}),
        ).with_only_columns(
            StockBalance.id,
            StockBalance.product_external_id,
            StockBalance.warehouse_external_id,
            StockBalance.quantity,
            StockBalance.reserved,
            StockBalance.product_id,
            StockBalance.warehouse_id,
        )
        return {
            (row.product_external_id, row.warehouse_external_id): row
            for row in self.session.execute(stmt)
        }

    def mark_seen(self, ids: Sequence[uuid.UUID], run_id: uuid.UUID, now: datetime) -> None:
        if ids:
            self.session.execute(
                update(StockBalance)
                .where(StockBalance.tenant_id == self.tenant_id, StockBalance.id.in_(list(ids)))
                .values(last_run_id=run_id, synced_at=now)
                .execution_options(synchronize_session=False)
            )

    def zero_unseen(
        self, connection_id: uuid.UUID, run_id: uuid.UUID, values: dict[str, Any]
    ) -> int:
        """Balances this connection's import did not see drop to zero."""
        stmt = (
            update(StockBalance)
            .where(
                StockBalance.tenant_id == self.tenant_id,
                StockBalance.connection_id == connection_id,
                or_(StockBalance.last_run_id.is_(None), StockBalance.last_run_id != run_id),
                or_(StockBalance.quantity != 0, StockBalance.reserved != 0),
            )
            .values(quantity=0.0, reserved=0.0, last_run_id=run_id, **values)
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]

    def search(self, f: CatalogFilter) -> Select[StockBalance]:
        stmt = self.select().options(
            selectinload(StockBalance.product), selectinload(StockBalance.warehouse)
        )
        if f.q:
            stmt = stmt.outerjoin(Product, StockBalance.product_id == Product.id).where(
                or_(
                    Product.name.icontains(f.q, autoescape=True),
                    Product.sku.icontains(f.q, autoescape=True),
                    StockBalance.product_external_id == f.q.lower(),
                )
            )
        if f.connection_id:
            stmt = stmt.where(StockBalance.connection_id == f.connection_id)
        if f.product_id:
            stmt = stmt.where(StockBalance.product_id == f.product_id)
        if f.warehouse_id:
            stmt = stmt.where(StockBalance.warehouse_id == f.warehouse_id)
        if f.in_stock is not None:
            stmt = stmt.where((StockBalance.quantity > 0) == f.in_stock)
        return stmt.order_by(StockBalance.product_external_id, StockBalance.warehouse_external_id)

    def get_with_links(self, stock_id: uuid.UUID) -> StockBalance | None:
        return self.get(
            stock_id, selectinload(StockBalance.product), selectinload(StockBalance.warehouse)
        )
