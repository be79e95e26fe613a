from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from ihub.models import Order, OrderEvent


class Money(BaseModel):
    """An amount as a decimal string, as Allegro sends it, so nothing rounds on the way."""

    amount: str = Field(examples=["129.99"])
    currency: str = Field(examples=["PLN"])

    @classmethod
    def of(cls, cents: int, currency: str) -> Money:
        return cls(amount=f"{Decimal(cents) / 100:.2f}", currency=currency)


class Buyer(BaseModel):
    id: str | None
    login: str | None
    email: str | None
    name: str | None


class OrderLine(BaseModel):
    line_id: str | None = None
    offer_id: str
    name: str
    sku: str | None = None
    quantity: int
    unit_price: str
    currency: str


class OrderRead(BaseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    source: str
    external_id: str = Field(description="Allegro's checkout-form id.")
    revision: str | None
    status: str = Field(description="BOUGHT, FILLED_IN, READY_FOR_PROCESSING or CANCELLED.")
    fulfillment_status: str | None
    marketplace: str | None
    buyer: Buyer
    delivery_method: str | None
    delivery_address: dict[str, Any] | None
    invoice_address: dict[str, Any] | None
    payment: dict[str, Any] | None
    lines: list[OrderLine]
    total: Money
    bought_at: datetime
    source_updated_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, order: Order) -> OrderRead:
        return cls(
            **{name: getattr(order, name) for name in _PLAIN},
            buyer=Buyer(
                id=order.buyer_id,
                login=order.buyer_login,
                email=order.buyer_email,
                name=order.buyer_name,
            ),
            lines=[OrderLine.model_validate(line) for line in order.lines],
            total=Money.of(order.total_cents, order.currency),
        )


_PLAIN = [name for name in OrderRead.model_fields if name not in ("buyer", "lines", "total")]


class OrderEventRead(BaseModel):
    event_id: str
    type: str
    occurred_at: datetime
    revision: str | None
    received_at: datetime

    @classmethod
    def of(cls, event: OrderEvent) -> OrderEventRead:
        return cls.model_validate(event, from_attributes=True)


class OrderDetail(OrderRead):
    events: list[OrderEventRead] = Field(description="The marketplace's events for this order.")
    raw: dict[str, Any] = Field(description="The document as last received, kept for audit.")


class DayStats(BaseModel):
    day: date
    count: int
    revenue: list[Money] = Field(description="Totals of the day's orders that are not cancelled.")


class StatusStats(BaseModel):
    status: str
    count: int
    total: list[Money] = Field(description="Totals of the orders in this status.")


class OrderStats(BaseModel):
    count: int
    revenue: list[Money] = Field(description="Totals of the orders that are not cancelled.")
    by_day: list[DayStats]
    by_status: list[StatusStats]
