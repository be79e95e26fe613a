from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.kit.db_types import Quantity
from ihub.models.base import RecordModel, TenantMixin


class WorkCenter(TenantMixin, RecordModel):
    """A place where batches are made: a line, a machine, a cell."""

    __tablename__ = "work_centers"
    __table_args__ = (Index("uq_work_centers_tenant_id_code", "tenant_id", "code", unique=True),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50))
    capacity_per_shift: Mapped[float] = mapped_column(Quantity)
    shifts_per_day: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)
