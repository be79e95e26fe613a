from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.kit.clock import utcnow
from ihub.models.base import Base, BigIntPK, TenantMixin


class IntegrationLog(TenantMixin, Base):
    """What an integration did, step by step: the operator's view of every exchange."""

    __tablename__ = "integration_logs"
    __table_args__ = (
        Index("ix_integration_logs_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_integration_logs_tenant_id_run_id", "tenant_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    level: Mapped[str] = mapped_column(String(16))
    system: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[uuid.UUID | None]
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None]
    payload: Mapped[dict[str, Any] | None]
