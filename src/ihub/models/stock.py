from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ihub.kit.clock import utcnow
from ihub.models.base import RecordModel, TenantMixin
from ihub.models.product import Product
from ihub.models.warehouse import Warehouse


class StockBalance(TenantMixin, RecordModel):
    """What one warehouse holds of one product, as of the last import.

    Keyed on the ERP's references (product and warehouse ``Ref_Key``) so a balance arriving
    before its product is kept; ``product_id`` / ``warehouse_id`` link to the imported rows
    when they exist. ``last_run_id`` is the import that last saw the balance: a full import
    sets the balances it did not see to zero.
    """

    __tablename__ = "stock"
    __table_args__ = (
        Index(
            "uq_stock_tenant_id_connection_id_product_warehouse",
            "tenant_id",
            "connection_id",
            "product_external_id",
            "warehouse_external_id",
            unique=True,
        ),
        Index("ix_stock_tenant_id_product_id", "tenant_id", "product_id"),
        Index("ix_stock_tenant_id_warehouse_id", "tenant_id", "warehouse_id"),
    )

    connection_id: Mapped[uuid.UUID]
    product_external_id: Mapped[str] = mapped_column(String(64))
    warehouse_external_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL")
    )
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("warehouses.id", ondelete="SET NULL")
    )
    quantity: Mapped[float] = mapped_column(Double, default=0.0)
    reserved: Mapped[float] = mapped_column(Double, default=0.0)
    last_run_id: Mapped[uuid.UUID | None]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product | None] = relationship(lazy="raise")
    warehouse: Mapped[Warehouse | None] = relationship(lazy="raise")
