"""Store orders from a marketplace sync, read, sum and export them. Never commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ihub import webhooks
from ihub.connectors.allegro.client import JournalEvent
from ihub.connectors.allegro.mapping import OrderRecord
from ihub.errors import NotFound
from ihub.kit.pagination import PageParams
from ihub.models import Order
from ihub.orders.repository import OrderEventRepository, OrderFilter, OrderRepository
from ihub.orders.schemas import (
    DayStats,
    Money,
    OrderDetail,
    OrderEventRead,
    OrderRead,
    OrderStats,
    StatusStats,
)
from ihub.webhooks.repository import EndpointRepository

EXPORT_BATCH = 1000
EXPORT_COLUMNS = [
    "id",
    "external_id",
    "marketplace",
    "status",
    "fulfillment_status",
    "bought_at",
    "source_updated_at",
    "buyer_login",
    "buyer_email",
    "buyer_name",
    "total",
    "currency",
    "delivery_method",
    "delivery_address",
    "lines",
]
# The fields a sync copies from the marketplace onto the order.
_SYNCED = [name for name in OrderRecord.__dataclass_fields__ if name != "external_id"]


@dataclass
class SaveResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


# What subscribers hear about an order; ``order.updated`` adds the fields that changed.
_ANNOUNCED = ("status", "fulfillment_status", "total_cents", "currency", "lines", "buyer_email",
              "delivery_method", "delivery_address", "invoice_address", "payment")  # fmt: skip


def _announce(
    session: Session, tenant_id: uuid.UUID, event: str, order: Order, changes: list[str]
) -> None:
    """``order.created`` / ``order.updated`` to webhook subscribers, in the order's transaction."""
    data: dict[str, Any] = {
        "order_id": order.id,
        "connection_id": order.connection_id,
        "system": order.source,
        "external_id": order.external_id,
        "status": order.status,
        "fulfillment_status": order.fulfillment_status,
        "total": Money.of(order.total_cents, order.currency).amount,
        "currency": order.currency,
        "bought_at": order.bought_at,
        "updated_at": order.source_updated_at,
    }
    if event == "order.updated":
        data["changes"] = ["total" if name == "total_cents" else name for name in changes]
    webhooks.emit(session, tenant_id, event, data)


def save_orders(
    session: Session,
    tenant_id: uuid.UUID,
    connection_id: uuid.UUID,
    records: Sequence[OrderRecord],
    *,
    source: str,
) -> SaveResult:
    """Insert new orders and update changed ones; an older version never replaces a newer one.

    Allegro's revision is a hash of the form's state, not a counter, so "newer" is decided by
    the form's ``updatedAt``; an equal revision at an equal time is the same version.
    """
    repository = OrderRepository(session, tenant_id)
    held = repository.by_external_ids(connection_id, (r.external_id for r in records))
    subscribers = EndpointRepository(session, tenant_id)
    # Asked once per batch, so that a tenant without subscribers costs no query per order.
    heard = {event for event in ("order.created", "order.updated") if subscribers.subscribed(event)}
    result, new = SaveResult(), []
    for record in records:
        order = held.get(record.external_id)
        if order is None:
            order = Order(
                connection_id=connection_id, source=source, external_id=record.external_id
            )
            _copy(order, record)
            new.append(order)
            held[record.external_id] = order
            result.inserted += 1
        elif record.source_updated_at < order.source_updated_at or (
            record.revision == order.revision
            and record.source_updated_at == order.source_updated_at
        ):
            result.unchanged += 1
        else:
            before = {name: getattr(order, name) for name in _ANNOUNCED}
            _copy(order, record)
            result.updated += 1
            changed = [name for name in _ANNOUNCED if getattr(order, name) != before[name]]
            if changed and "order.updated" in heard:
                _announce(session, tenant_id, "order.updated", order, changed)
    repository.add_all(new)  # ids are known from here on
    if "order.created" in heard:
        for order in new:
            _announce(session, tenant_id, "order.created", order, [])
    return result


def _copy(order: Order, record: OrderRecord) -> None:
    for name in _SYNCED:
        setattr(order, name, getattr(record, name))


def save_events(
    session: Session,
    tenant_id: uuid.UUID,
    connection_id: uuid.UUID,
    events: Sequence[JournalEvent],
) -> int:
    """Keep the raw events for audit; returns how many were not held already."""
    return OrderEventRepository(session, tenant_id).add_new(
        [
            {
                "connection_id": connection_id,
                "event_id": event.id,
                "type": event.type,
                "occurred_at": event.occurred_at,
                "checkout_form_id": event.form_id,
                "revision": event.revision,
                "payload": event.raw,
            }
            for event in events
        ]
    )


def get_order(session: Session, tenant_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = OrderRepository(session, tenant_id).get(order_id)
    if order is None:
        raise NotFound("Order not found.")
    return order


def order_detail(session: Session, tenant_id: uuid.UUID, order_id: uuid.UUID) -> OrderDetail:
    order = get_order(session, tenant_id, order_id)
    events = OrderEventRepository(session, tenant_id).for_form(
        order.connection_id, order.external_id
    )
    return OrderDetail(
        **OrderRead.of(order).model_dump(),
        events=[OrderEventRead.of(event) for event in events],
        raw=order.raw,
    )


def list_orders(
    session: Session, tenant_id: uuid.UUID, params: PageParams, f: OrderFilter, sort: str
) -> tuple[Sequence[Order], int]:
    repository = OrderRepository(session, tenant_id)
    return repository.page(repository.search(f, sort), params)


def _money(amounts: dict[str, int]) -> list[Money]:
    return [Money.of(cents, currency) for currency, cents in sorted(amounts.items())]


def stats(session: Session, tenant_id: uuid.UUID, f: OrderFilter) -> OrderStats:
    """Orders and revenue per day (UTC) and per status, revenue per currency."""
    repository = OrderRepository(session, tenant_id)
    days: dict[Any, tuple[int, dict[str, int]]] = {}
    revenue: dict[str, int] = defaultdict(int)
    for day, currency, count, cents in repository.stats_by_day(f):
        seen, amounts = days.get(day, (0, {}))
        days[day] = (seen + count, {**amounts, currency: cents})
        revenue[currency] += cents
    statuses: dict[str, tuple[int, dict[str, int]]] = {}
    for status, currency, count, cents in repository.stats_by_status(f):
        seen, amounts = statuses.get(status, (0, {}))
        statuses[status] = (seen + count, {**amounts, currency: cents})
    return OrderStats(
        count=sum(count for count, _ in days.values()),
        revenue=_money(revenue),
        by_day=[
            DayStats(day=day, count=count, revenue=_money(amounts))
            for day, (count, amounts) in sorted(days.items())
        ],
        by_status=[
            StatusStats(status=status, count=count, total=_money(amounts))
            for status, (count, amounts) in sorted(statuses.items())
        ],
    )


def _flat(document: OrderRead) -> dict[str, Any]:
    """One CSV row: buyer and total spread over columns, addresses and lines as JSON."""
    return {
        **document.model_dump(mode="json", exclude={"buyer", "total"}),
        **{f"buyer_{key}": value for key, value in document.buyer.model_dump().items()},
        "total": document.total.amount,
        "currency": document.total.currency,
    }


def export_rows(
    session: Session, tenant_id: uuid.UUID, f: OrderFilter, sort: str, *, flat: bool
) -> Iterator[dict[str, Any]]:
    stmt = OrderRepository(session, tenant_id).search(f, sort)
    for order in session.scalars(stmt.execution_options(yield_per=EXPORT_BATCH)):
        document = OrderRead.of(order)
        yield _flat(document) if flat else document.model_dump(mode="json")
