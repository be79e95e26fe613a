from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ihub.kit.clock import utcnow
from ihub.kit.db_types import Quantity
from ihub.models.base import Base, BigIntPK, RecordModel, TenantMixin
from ihub.models.product import Product
from ihub.models.work_center import WorkCenter


class BatchStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


_STATUS = Enum(BatchStatus, native_enum=False, length=16)
_COMPLETED_SQL = text("status = 'completed'")


class Batch(TenantMixin, RecordModel):
    """One production batch: what is made where, how much was planned, made and rejected.

    The indexes follow the list filters (status, work center, product) each with the default
    sort (planned start), and the analytics, which read completed batches by finish time only.
    """

    __tablename__ = "batches"
    __table_args__ = (
        Index("uq_batches_tenant_id_number", "tenant_id", "number", unique=True),
        Index("ix_batches_tenant_id_planned_start", "tenant_id", "planned_start"),
        Index("ix_batches_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_batches_tenant_id_status_planned_start", "tenant_id", "status", "planned_start"),
        Index(
            "ix_batches_tenant_id_work_center_id_planned_start",
            "tenant_id",
            "work_center_id",
            "planned_start",
        ),
        Index(
            "ix_batches_tenant_id_product_id_planned_start",
            "tenant_id",
            "product_id",
            "planned_start",
        ),
        # Covers every analytics query: they never touch the table itself.
        Index(
            "ix_batches_completed_output",
            "tenant_id",
            "actual_finish",
            "work_center_id",
            "product_id",
            "produced_quantity",
            "defective_quantity",
            sqlite_where=_COMPLETED_SQL,
            postgresql_where=_COMPLETED_SQL,
        ),
    )

    number: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    work_center_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("work_centers.id", ondelete="RESTRICT")
    )
    status: Mapped[BatchStatus] = mapped_column(_STATUS, default=BatchStatus.planned)
    planned_quantity: Mapped[float] = mapped_column(Quantity)
    produced_quantity: Mapped[float] = mapped_column(Quantity, default=0)
    defective_quantity: Mapped[float] = mapped_column(Quantity, default=0)
    unit: Mapped[str] = mapped_column(String(20))
    planned_start: Mapped[datetime]
    planned_finish: Mapped[datetime | None]
    actual_start: Mapped[datetime | None]
    actual_finish: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)

    product: Mapped[Product] = relationship(lazy="raise")
    work_center: Mapped[WorkCenter] = relationship(lazy="raise")
    history: Mapped[list[BatchStatusChange]] = relationship(
        order_by="BatchStatusChange.id",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class BatchStatusChange(TenantMixin, Base):
    """The status history of a batch: who moved it, when, from where to where."""

    __tablename__ = "batch_status_changes"
    __table_args__ = (Index("ix_batch_status_changes_batch_id_id", "batch_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    from_status: Mapped[BatchStatus | None] = mapped_column(_STATUS)
    to_status: Mapped[BatchStatus] = mapped_column(_STATUS)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_label: Mapped[str] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
