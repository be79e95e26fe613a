from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.kit.clock import utcnow
from ihub.models.base import Base, BigIntPK, TenantMixin


class OrderEvent(TenantMixin, Base):
    """A marketplace's order event as received (Allegro's journal), kept for audit.

    The same event twice, or a copy with a new id but the same type, time and checkout form,
    is stored once (reference A.5).
    """

    __tablename__ = "order_events"
    __table_args__ = (
        Index("uq_order_events_connection_id_event_id", "connection_id", "event_id", unique=True),
        Index(
            "uq_order_events_form_type_time",
            "connection_id",
            "checkout_form_id",
            "type",
            "occurred_at",
            unique=True,
        ),
        Index("ix_order_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
        Index("ix_order_events_tenant_id_checkout_form_id", "tenant_id", "checkout_form_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    connection_id: Mapped[uuid.UUID]
    event_id: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    checkout_form_id: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
