from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class OAuthToken(TenantMixin, RecordModel):
    """The OAuth token pair of one connection, sealed at rest.

    Providers that rotate refresh tokens (Allegro, Kommo) allow one refresh at a time:
    ``generation`` grows with every new pair and a refresher first takes the lease with a
    compare-and-swap on it (``ihub.oauth``). ``rejected_at`` marks a refresh token the
    provider refused: the connection needs a new authorization.
    """

    __tablename__ = "oauth_tokens"
    __table_args__ = (Index("uq_oauth_tokens_connection_id", "connection_id", unique=True),)

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    provider: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(String(100))
    scope: Mapped[str | None] = mapped_column(String(1000))
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime]
    refreshed_at: Mapped[datetime]
    generation: Mapped[int] = mapped_column(Integer, default=1)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    rejected_reason: Mapped[str | None] = mapped_column(Text)
