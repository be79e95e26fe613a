from __future__ import annotations

import uuid

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class Warehouse(TenantMixin, RecordModel):
    """A warehouse or shop imported from the ERP (groups of warehouses are not imported)."""

    __tablename__ = "warehouses"
    __table_args__ = (
        Index(
            "uq_warehouses_tenant_id_connection_id_external_id",
            "tenant_id",
            "connection_id",
            "external_id",
            unique=True,
        ),
        Index("ix_warehouses_tenant_id_name", "tenant_id", "name"),
    )

    connection_id: Mapped[uuid.UUID]
    external_id: Mapped[str] = mapped_column(String(64))
    data_version: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(500))
    warehouse_type: Mapped[str | None] = mapped_column(String(50))
    group_external_id: Mapped[str | None] = mapped_column(String(64))
    deletion_mark: Mapped[bool] = mapped_column(default=False)
