from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ihub.kit.repository import TenantRepository
from ihub.models import Batch, BatchStatus, Product, Report, WorkCenter
from ihub.production.schemas import BatchSort


class WorkCenterRepository(TenantRepository[WorkCenter]):
    model = WorkCenter

    def search(self, *, active: bool | None = None) -> Select[WorkCenter]:
        stmt = self.select()
        if active is not None:
            stmt = stmt.where(WorkCenter.active.is_(active))
        return stmt.order_by(WorkCenter.code)

    def by_code(self, code: str) -> WorkCenter | None:
        return self.session.scalars(self.select(WorkCenter.code == code)).one_or_none()

    def by_codes(self, codes: Collection[str]) -> dict[str, WorkCenter]:
        rows = self.list(self.select(WorkCenter.code.in_(codes))) if codes else []
        return {row.code: row for row in rows}


class ProductLookup(TenantRepository[Product]):
    """Read-only access to the catalog's products; the catalog domain owns writing them."""

    model = Product

    def by_reference(self, references: Collection[str]) -> dict[str, Product]:
        """Products named by SKU, else by 1C code, else by exact name (import rows)."""
        if not references:
            return {}
        found: dict[str, Product] = {}
        stmt = self.select(
            or_(
                Product.sku.in_(references),
                Product.code.in_(references),
                Product.name.in_(references),
            )
        )
        for product in self.list(stmt.order_by(Product.created_at)):
            for reference in (product.name, product.code, product.sku):  # later ones win
                if reference is not None and reference in references:
                    found[reference] = product
        return found

    def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Product]:
        rows = self.list(self.select(Product.id.in_(ids))) if ids else []
        return {row.id: row for row in rows}

    def search(self, text: str | None = None, limit: int = 500) -> Sequence[Product]:
        stmt = self.select(Product.deletion_mark.is_(False))
        if text:
            stmt = stmt.where(Product.name.icontains(text, autoescape=True))
        return self.list(stmt.order_by(Product.name).limit(limit))


@dataclass(frozen=True)
class BatchFilter:
    status: Sequence[BatchStatus] = field(default_factory=tuple)
    work_center_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    planned_from: datetime | None = None
    planned_to: datetime | None = None
    finished_from: datetime | None = None
    finished_to: datetime | None = None
    number: str | None = None
    sort: BatchSort = "-planned_start"


_SORT_COLUMNS = {
    "planned_start": Batch.planned_start,
    "created_at": Batch.created_at,
    "number": Batch.number,
}


def _prefix_bounds(prefix: str) -> tuple[str, str]:
    """A prefix as a range, which both databases answer from the (tenant, number) index."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


_PRODUCT_NAME = select(Product.name).where(Product.id == Batch.product_id).scalar_subquery()
_WORK_CENTER_CODE = (
    select(WorkCenter.code).where(WorkCenter.id == Batch.work_center_id).scalar_subquery()
)


class BatchRepository(TenantRepository[Batch]):
    model = Batch

    def search(self, f: BatchFilter) -> Select[Batch, str, str]:
        """Matching batches, sorted, each with its product's name and work center's code.

        Two scalar subqueries run for the page's rows only; loading the related objects took
        two thirds of a page's time, and a join led SQLite away from the sort index.
        """
        stmt = self.matching(f).add_columns(_PRODUCT_NAME, _WORK_CENTER_CODE)
        column = _SORT_COLUMNS[f.sort.lstrip("-")]
        if f.sort.startswith("-"):
            return stmt.order_by(column.desc(), Batch.id.desc())
        return stmt.order_by(column, Batch.id)

    def count_up_to(self, f: BatchFilter, limit: int) -> int:
        """Count matches, but stop at ``limit``: an exact count of a million rows is not free."""
        bounded = self.matching(f).with_only_columns(Batch.id).limit(limit)
        return self.session.scalar(select(func.count()).select_from(bounded.subquery())) or 0

    def matching(self, f: BatchFilter) -> Select[Batch]:
        stmt = self.select()
        if f.status:
            stmt = stmt.where(Batch.status.in_(f.status))
        if f.work_center_id:
            stmt = stmt.where(Batch.work_center_id == f.work_center_id)
        if f.product_id:
            stmt = stmt.where(Batch.product_id == f.product_id)
        if f.planned_from:
            stmt = stmt.where(Batch.planned_start >= f.planned_from)
        if f.planned_to:
            stmt = stmt.where(Batch.planned_start < f.planned_to)
        if f.finished_from:
            stmt = stmt.where(Batch.actual_finish >= f.finished_from)
        if f.finished_to:
            stmt = stmt.where(Batch.actual_finish < f.finished_to)
        if f.number:
            low, high = _prefix_bounds(f.number.upper())
            stmt = stmt.where(Batch.number >= low, Batch.number < high)
        return stmt

    def get_full(self, batch_id: uuid.UUID) -> Batch | None:
        return self.get(
            batch_id,
            selectinload(Batch.product),
            selectinload(Batch.work_center),
            selectinload(Batch.history),
        )

    def by_numbers(self, numbers: Collection[str]) -> dict[str, Batch]:
        rows = self.list(self.select(Batch.number.in_(numbers))) if numbers else []
        return {row.number: row for row in rows}

    def number_taken(self, number: str, other_than: uuid.UUID | None = None) -> bool:
        stmt = self.select(Batch.number == number).with_only_columns(Batch.id)
        if other_than is not None:
            stmt = stmt.where(Batch.id != other_than)
        return self.session.scalar(stmt.limit(1)) is not None

    def exists_for_work_center(self, work_center_id: uuid.UUID) -> bool:
        stmt = self.select(Batch.work_center_id == work_center_id).with_only_columns(Batch.id)
        return self.session.scalar(stmt.limit(1)) is not None


class ReportRepository(TenantRepository[Report]):
    model = Report

    def search(self) -> Select[Report]:
        return self.select().order_by(Report.created_at.desc(), Report.id)
