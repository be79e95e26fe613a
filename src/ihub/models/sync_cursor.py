from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class SyncCursor(TenantMixin, RecordModel):
    """Where an incremental sync of one connection stands, e.g. the last order event read.

    It is written in the same transaction as the data it covers, so the data and the
    position can never disagree; ``state`` holds stream-specific progress (a backfill).
    """

    __tablename__ = "sync_cursors"
    __table_args__ = (
        Index("uq_sync_cursors_connection_id_stream", "connection_id", "stream", unique=True),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    stream: Mapped[str] = mapped_column(String(64))
    position: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
