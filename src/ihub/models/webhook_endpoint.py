from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.kit.db_types import JSONType
from ihub.models.base import RecordModel, TenantMixin


class WebhookEndpoint(TenantMixin, RecordModel):
    """A subscriber's URL, the event types it wants and the secret its deliveries are signed with.

    Secrets are stored encrypted (``SecretBox``, bound to the endpoint id). After a rotation the
    previous secret keeps signing until ``previous_secret_expires_at``.
    """

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Empty means every event type.
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    # Start of the current unbroken run of failed attempts; a success clears it.
    failing_since: Mapped[datetime | None]
