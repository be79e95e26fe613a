"""A checkout form (reference A.6) as the fields ihub keeps of an order.

Validation names the first bad field, so one malformed form becomes a per-record error with
its id, field and value while the rest of the page goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from ihub.connectors.allegro.client import as_object
from ihub.kit.params import as_utc

__all__ = ["FormProblem", "OrderRecord", "map_checkout_form", "to_cents"]


def to_cents(amount: str | Decimal) -> int:
    """``"49.99"`` → ``4999``; amounts are strings to avoid rounding errors (A.6)."""
    value = Decimal(amount)
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{amount!r} is not an amount with at most two decimals")
    return int(value * 100)


# Allegro sends UTC with a Z; a time without an offset is taken as UTC too.
UtcTime = Annotated[datetime, AfterValidator(as_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Money(_Model):
    amount: str
    currency: str = Field(min_length=3, max_length=3)

    @field_validator("amount")
    @classmethod
    def _decimal(cls, value: str) -> str:
        try:
            to_cents(value)
        except (InvalidOperation, ValueError):
            raise ValueError(f"{value!r} is not an amount") from None
        return value


class _Offer(_Model):
    id: str
    name: str = ""
    external: dict[str, Any] | None = None


class _LineItem(_Model):
    id: str
    offer: _Offer
    quantity: int = Field(ge=0)
    price: _Money
    bought_at: UtcTime | None = Field(None, alias="boughtAt")


class _Buyer(_Model):
    id: str | None = None
    login: str | None = None
    email: str | None = None
    first_name: str | None = Field(None, alias="firstName")
    last_name: str | None = Field(None, alias="lastName")
    company_name: str | None = Field(None, alias="companyName")


class _Summary(_Model):
    total_to_pay: _Money = Field(alias="totalToPay")


class _Form(_Model):
    id: str = Field(min_length=1, max_length=64)
    status: str
    revision: str | None = Field(None, max_length=64)
    updated_at: UtcTime = Field(alias="updatedAt")
    marketplace: dict[str, Any] | None = None
    buyer: _Buyer
    line_items: list[_LineItem] = Field(alias="lineItems")
    summary: _Summary
    fulfillment: dict[str, Any] | None = None
    payment: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None
    invoice: dict[str, Any] | None = None


@dataclass(frozen=True)
class OrderRecord:
    external_id: str
    revision: str | None
    status: str
    fulfillment_status: str | None
    marketplace: str | None
    buyer_id: str | None
    buyer_login: str | None
    buyer_email: str | None
    buyer_name: str | None
    delivery_method: str | None
    delivery_address: dict[str, Any] | None
    invoice_address: dict[str, Any] | None
    payment: dict[str, Any] | None
    lines: list[dict[str, Any]]
    total_cents: int
    currency: str
    bought_at: datetime
    source_updated_at: datetime
    raw: dict[str, Any]


@dataclass(frozen=True)
class FormProblem:
    external_id: str | None
    field: str
    value: Any
    reason: str


def _person(first: Any, last: Any) -> str | None:
    name = " ".join(str(part) for part in (first, last) if part)
    return name or None


def _address(raw: Any) -> dict[str, Any] | None:
    """One shape for delivery, pickup-point and invoice addresses (Allegro mixes zipCode
    and postCode between them)."""
    if not isinstance(raw, dict):
        return None
    company = as_object(raw.get("company"))
    person = as_object(raw.get("naturalPerson"))
    ids = company.get("ids")
    address = {
        "name": _person(raw.get("firstName"), raw.get("lastName"))
        or _person(person.get("firstName"), person.get("lastName")),
        "company": raw.get("companyName") or company.get("name"),
        "tax_id": next((as_object(i).get("value") for i in ids or ()), None)
        or company.get("taxId"),
        "street": raw.get("street"),
        "city": raw.get("city"),
        "zip_code": raw.get("zipCode") or raw.get("postCode"),
        "country_code": raw.get("countryCode"),
        "phone": raw.get("phoneNumber"),
    }
    return {key: value for key, value in address.items() if value} or None


def _delivery_address(delivery: dict[str, Any]) -> dict[str, Any] | None:
    address = _address(delivery.get("address"))
    point = delivery.get("pickupPoint")
    if isinstance(point, dict):
        pickup = _address(point.get("address")) or {}
        pickup["pickup_point"] = " ".join(str(p) for p in (point.get("id"), point.get("name")) if p)
        return address | {"pickup": pickup} if address else {"pickup": pickup}
    return address


def _payment(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    paid = as_object(raw.get("paidAmount"))
    payment = {
        "id": raw.get("id"),
        "type": raw.get("type"),
        "provider": raw.get("provider"),
        "finished_at": raw.get("finishedAt"),
        "paid_amount": paid.get("amount"),
        "paid_currency": paid.get("currency"),
    }
    return {key: value for key, value in payment.items() if value is not None}


def map_checkout_form(raw: dict[str, Any]) -> OrderRecord | FormProblem:
    """The order a checkout form describes, or the first problem that keeps it out."""
    try:
        form = _Form.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        external_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        return FormProblem(
            external_id=external_id,
            field=".".join(str(part) for part in first["loc"]),
            value=first.get("input"),
            reason=first["msg"],
        )
    buyer = form.buyer
    delivery = form.delivery or {}
    method = as_object(delivery.get("method"))
    bought = [line.bought_at for line in form.line_items if line.bought_at]
    total = form.summary.total_to_pay
    return OrderRecord(
        external_id=form.id,
        revision=form.revision,
        status=form.status,
        fulfillment_status=(form.fulfillment or {}).get("status"),
        marketplace=(form.marketplace or {}).get("id"),
        buyer_id=buyer.id,
        buyer_login=buyer.login,
        buyer_email=buyer.email,
        buyer_name=_person(buyer.first_name, buyer.last_name) or buyer.company_name,
        delivery_method=method.get("name"),
        delivery_address=_delivery_address(delivery),
        invoice_address=_address((form.invoice or {}).get("address")),
        payment=_payment(form.payment),
        lines=[
            {
                "line_id": line.id,
                "offer_id": line.offer.id,
                "name": line.offer.name,
                "sku": (line.offer.external or {}).get("id"),
                "quantity": line.quantity,
                "unit_price": line.price.amount,
                "currency": line.price.currency,
            }
            for line in form.line_items
        ],
        total_cents=to_cents(total.amount),
        currency=total.currency,
        bought_at=max(bought) if bought else form.updated_at,
        source_updated_at=form.updated_at,
        raw=raw,
    )
