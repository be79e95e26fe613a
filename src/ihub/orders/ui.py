"""Orders pages: the list with filters, totals and export links; one order in full."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ihub.connections import service as connections
from ihub.connections.kinds import ALLEGRO
from ihub.db import SessionDep
from ihub.kit.pagination import PageParams, page_count
from ihub.orders import service
from ihub.orders.endpoints import OrderFilterDep, Sort
from ihub.ui.web import UiViewer, render

router = APIRouter(include_in_schema=False)

STATUSES = ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED")
FULFILLMENT = ("NEW", "PROCESSING", "READY_FOR_SHIPMENT", "READY_FOR_PICKUP", "SENT",
               "PICKED_UP", "CANCELLED", "SUSPENDED", "RETURNED")  # fmt: skip
SORTS = ("-bought_at", "bought_at", "-updated_at", "-total")
QUERY_KEYS = ("status", "fulfillment_status", "since", "until", "q", "connection_id", "sort")


@router.get("/orders")
def orders_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    filters: OrderFilterDep,
    page: Annotated[int, Query(ge=1)] = 1,
    sort: Sort = "-bought_at",
    partial: bool = False,
) -> HTMLResponse:
    params = PageParams(page=page, page_size=50)
    orders, total = service.list_orders(session, principal.tenant_id, params, filters, sort)
    accounts, _ = connections.list_connections(
        session, principal.tenant_id, PageParams(page=1, page_size=500), kind=ALLEGRO
    )
    return render(
        request,
        "orders/_table.html" if partial else "orders/list.html",
        principal,
        orders=orders,
        total=total,
        page=page,
        pages=page_count(total, params.page_size),
        stats=service.stats(session, principal.tenant_id, filters),
        query={key: request.query_params.get(key, "") for key in QUERY_KEYS},
        statuses=STATUSES,
        fulfillment_statuses=FULFILLMENT,
        sorts=SORTS,
        accounts=accounts,
    )


@router.get("/orders/{order_id}")
def order_page(
    request: Request, principal: UiViewer, session: SessionDep, order_id: uuid.UUID
) -> HTMLResponse:
    order = service.order_detail(session, principal.tenant_id, order_id)
    return render(request, "orders/detail.html", principal, order=order)
