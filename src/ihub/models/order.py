from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class Order(TenantMixin, RecordModel):
    """A marketplace order, keyed on (connection, external id = Allegro checkout-form id).

    ``revision`` and ``source_updated_at`` are the version ihub holds; a sync never replaces
    it with an older one. ``raw`` keeps the document as received, for audit.
    Money is in hundredths (``total_cents``) so sums are exact on every database.
    """

    __tablename__ = "orders"
    __table_args__ = (
        Index(
            "uq_orders_tenant_id_connection_id_external_id",
            "tenant_id",
            "connection_id",
            "external_id",
            unique=True,
        ),
        Index("ix_orders_tenant_id_bought_at", "tenant_id", "bought_at"),
        Index("ix_orders_tenant_id_status_bought_at", "tenant_id", "status", "bought_at"),
    )

    connection_id: Mapped[uuid.UUID]
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    revision: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    fulfillment_status: Mapped[str | None] = mapped_column(String(32))
    marketplace: Mapped[str | None] = mapped_column(String(32))
    buyer_id: Mapped[str | None] = mapped_column(String(64))
    buyer_login: Mapped[str | None] = mapped_column(String(200))
    buyer_email: Mapped[str | None] = mapped_column(String(320))
    buyer_name: Mapped[str | None] = mapped_column(String(300))
    delivery_method: Mapped[str | None] = mapped_column(String(200))
    delivery_address: Mapped[dict[str, Any] | None]
    invoice_address: Mapped[dict[str, Any] | None]
    payment: Mapped[dict[str, Any] | None]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    bought_at: Mapped[datetime]
    source_updated_at: Mapped[datetime]
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
