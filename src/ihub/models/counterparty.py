from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ihub.models.base import RecordModel, TenantMixin


class Counterparty(TenantMixin, RecordModel):
    """A customer's or supplier's legal entity (UT's Контрагент), imported from the ERP.

    Same keying and validation rules as ``Organization``.
    """

    __tablename__ = "counterparties"
    __table_args__ = (
        Index(
            "uq_counterparties_tenant_id_connection_id_external_id",
            "tenant_id",
            "connection_id",
            "external_id",
            unique=True,
        ),
        Index("ix_counterparties_tenant_id_inn", "tenant_id", "inn"),
        Index("ix_counterparties_tenant_id_name", "tenant_id", "name"),
    )

    connection_id: Mapped[uuid.UUID]
    external_id: Mapped[str] = mapped_column(String(64))
    data_version: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(500))
    full_name: Mapped[str | None] = mapped_column(Text)
    inn: Mapped[str] = mapped_column(String(32), default="")
    kpp: Mapped[str] = mapped_column(String(32), default="")
    ogrn: Mapped[str] = mapped_column(String(32), default="")
    legal_form: Mapped[str] = mapped_column(String(32), default="unknown")
    is_branch: Mapped[bool] = mapped_column(default=False)
    partner_external_id: Mapped[str | None] = mapped_column(String(64))
    deletion_mark: Mapped[bool] = mapped_column(default=False)
    is_valid: Mapped[bool] = mapped_column(default=True)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
