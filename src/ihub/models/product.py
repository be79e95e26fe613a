from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class Product(TenantMixin, RecordModel):
    """A catalog product: imported from an ERP connection, or created in ihub (no connection).

    Imported rows are keyed on (tenant, connection, external id = 1C ``Ref_Key``); local rows
    have neither. Validation problems are kept on the row, never used to drop it.
    """

    __tablename__ = "products"
    __table_args__ = (
        Index(
            "uq_products_tenant_id_connection_id_external_id",
            "tenant_id",
            "connection_id",
            "external_id",
            unique=True,
        ),
        Index("ix_products_tenant_id_name", "tenant_id", "name"),
        Index("ix_products_tenant_id_sku", "tenant_id", "sku"),
    )

    connection_id: Mapped[uuid.UUID | None]
    external_id: Mapped[str | None] = mapped_column(String(64))
    data_version: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(50))
    sku: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(500))
    full_name: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(50))
    product_type: Mapped[str | None] = mapped_column(String(50))
    group_external_id: Mapped[str | None] = mapped_column(String(64))
    deletion_mark: Mapped[bool] = mapped_column(default=False)
    is_valid: Mapped[bool] = mapped_column(default=True)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
