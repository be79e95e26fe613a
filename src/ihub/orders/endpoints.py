"""Orders API: search, one order with its events, stats, streaming export."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from ihub.db import SessionDep, get_database
from ihub.kit.export import stream_export
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalDateTime, OptionalUUID, non_empty
from ihub.orders import service
from ihub.orders.repository import OrderFilter
from ihub.orders.schemas import OrderDetail, OrderRead, OrderStats
from ihub.tenants.auth import Viewer

router = APIRouter(prefix="/orders", tags=["orders"])

Sort = Literal["bought_at", "-bought_at", "updated_at", "-updated_at", "total", "-total"]


async def order_filter(
    status: Annotated[
        list[str] | None, Query(description="BOUGHT, FILLED_IN, READY_FOR_PROCESSING, CANCELLED.")
    ] = None,
    fulfillment_status: Annotated[
        list[str] | None, Query(description="NEW, PROCESSING, SENT, … (repeatable).")
    ] = None,
    since: Annotated[
        OptionalDateTime, Query(description="Bought at or after (ISO 8601, UTC if no offset).")
    ] = None,
    until: Annotated[OptionalDateTime, Query(description="Bought before.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the buyer's login, e-mail or name.")
    ] = None,
    connection_id: Annotated[OptionalUUID, Query()] = None,
) -> OrderFilter:
    return OrderFilter(
        status=non_empty(status),
        fulfillment_status=non_empty(fulfillment_status),
        since=since,
        until=until,
        buyer=q.strip() if q and q.strip() else None,
        connection_id=connection_id,
    )


OrderFilterDep = Annotated[OrderFilter, Depends(order_filter)]


@router.get("", response_model=Page[OrderRead])
def list_orders(
    principal: Viewer,
    session: SessionDep,
    filters: OrderFilterDep,
    page: PageQuery,
    sort: Sort = "-bought_at",
) -> Page[OrderRead]:
    """Orders, newest purchase first unless sorted otherwise."""
    orders, total = service.list_orders(session, principal.tenant_id, page, filters, sort)
    return Page.of((OrderRead.of(order) for order in orders), total, page)


@router.get("/stats", response_model=OrderStats)
def order_stats(principal: Viewer, session: SessionDep, filters: OrderFilterDep) -> OrderStats:
    """Count and revenue per day (UTC) and per status, for the same filters as the list."""
    return service.stats(session, principal.tenant_id, filters)


@router.get("/export", response_class=StreamingResponse)
def export_orders(
    principal: Viewer,
    filters: OrderFilterDep,
    format: Literal["csv", "json"] = "csv",
    sort: Sort = "-bought_at",
) -> StreamingResponse:
    """Every matching order, streamed: CSV (one row per order, lines as JSON) or a JSON array."""
    tenant_id = principal.tenant_id

    def rows() -> Iterator[dict[str, Any]]:
        with get_database().scope(write=False) as session:
            yield from service.export_rows(session, tenant_id, filters, sort, flat=format == "csv")

    return stream_export(rows, service.EXPORT_COLUMNS, format, "orders")


@router.get("/{order_id}", response_model=OrderDetail)
def get_order(principal: Viewer, session: SessionDep, order_id: uuid.UUID) -> OrderDetail:
    """One order with its marketplace events and the document as received."""
    return service.order_detail(session, principal.tenant_id, order_id)
