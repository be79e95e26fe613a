from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class ReportKind(StrEnum):
    batch_register = "batch_register"
    output_by_product = "output_by_product"
    work_center_load = "work_center_load"


class ReportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class Report(TenantMixin, RecordModel):
    """A requested production report; its run writes the file, the file row holds it."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_tenant_id_created_at", "tenant_id", "created_at"),)

    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=32))
    format: Mapped[ReportFormat] = mapped_column(Enum(ReportFormat, native_enum=False, length=8))
    date_from: Mapped[date]
    date_to: Mapped[date]
    requested_by: Mapped[str] = mapped_column(String(320))
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    file_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL")
    )
    rows: Mapped[int | None] = mapped_column(Integer)
