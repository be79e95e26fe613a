from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class MessageStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt (``next_attempt_at``)
    sending = "sending"  # claimed by a dispatcher until ``locked_until``
    delivered = "delivered"
    failed = "failed"  # retries exhausted or the endpoint gone; resend or recover it


class WebhookMessage(TenantMixin, RecordModel):
    """The delivery of one event to one endpoint: its state and its retry schedule."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        # "Is anything due at all?" is asked often (each nudge and tick), and cheaply.
        Index("ix_webhook_messages_status_next_attempt_at", "status", "next_attempt_at"),
        # The dispatcher claims due messages endpoint by endpoint.
        Index(
            "ix_webhook_messages_endpoint_id_status_next_attempt_at",
            "endpoint_id",
            "status",
            "next_attempt_at",
        ),
        Index("ix_webhook_messages_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(100))
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=16), default=MessageStatus.pending
    )
    # Attempts made so far; a dispatcher's claim increments it, and its result is written only
    # while the number is still its own (a fencing token, as for runs).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Position in the retry schedule; a resend starts the schedule again.
    schedule_step: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
