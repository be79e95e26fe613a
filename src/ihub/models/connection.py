from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class ConnectionStatus(StrEnum):
    untested = "untested"
    ok = "ok"
    needs_attention = "needs_attention"  # the last test or run failed; see last_error
    needs_reauthorization = "needs_reauthorization"  # an OAuth grant must be renewed


class Connection(TenantMixin, RecordModel):
    """A tenant's configured link to one external system (a 1C base, a МойСклад account…).

    ``settings`` are plain JSON validated by the kind's settings model; ``secrets`` maps each
    secret field to its AES-GCM ciphertext, bound to this row's id, and never leaves the API.
    """

    __tablename__ = "connections"
    __table_args__ = (Index("uq_connections_tenant_id_name", "tenant_id", "name", unique=True),)

    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[ConnectionStatus] = mapped_column(
        Enum(ConnectionStatus, native_enum=False, length=32), default=ConnectionStatus.untested
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    last_checked_at: Mapped[datetime | None]
