from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import Base


class ProductionVersion(Base):
    """A per-tenant counter bumped with every batch change, in the same transaction.

    Analytics results are cached per version, so every process sees a change at once.
    """

    __tablename__ = "production_versions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=0)
