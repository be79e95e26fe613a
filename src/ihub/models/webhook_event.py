from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.kit.clock import utcnow
from ihub.models.base import Base, TenantMixin


class WebhookEvent(TenantMixin, Base):
    """Something that happened, serialised once: ``payload`` holds the exact bytes every
    delivery sends and signs, and ``id`` is the ``webhook-id`` header of every attempt."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
