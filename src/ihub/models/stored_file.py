from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class StoredFile(TenantMixin, RecordModel):
    """A file in the configured file storage (report output, an uploaded import)."""

    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_tenant_id_expires_at", "tenant_id", "expires_at"),)

    key: Mapped[str] = mapped_column(String(500), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime | None]
