"""The nightly cleanup deletes orders bought, and raw events that occurred, too long ago."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import Order, OrderEvent
from ihub.orders.repository import OrderEventRepository, OrderRepository
from tests.fixtures.allegro import execute
from tests.fixtures.app import TenantHandle


def test_old_orders_and_events_go_recent_ones_stay(
    database: Database, tenant: TenantHandle, make_tenant: Callable[..., TenantHandle]
) -> None:
    tenant_id = uuid.UUID(tenant.tenant_id)
    other = make_tenant("Other")
    now = utcnow()
    ages = {"old": now - timedelta(days=40), "new": now - timedelta(days=5)}
    for owner in (tenant_id, uuid.UUID(other.tenant_id)):
        connection_id = uuid.uuid4()
        with database.scope() as session:
            for name, moment in ages.items():
                OrderRepository(session, owner).add(
                    Order(
                        connection_id=connection_id,
                        source="allegro",
                        external_id=name,
                        status="READY_FOR_PROCESSING",
                        total_cents=1,
                        currency="PLN",
                        bought_at=moment,
                        source_updated_at=moment,
                    )
                )
                OrderEventRepository(session, owner).add(
                    OrderEvent(
                        connection_id=connection_id,
                        event_id=name,
                        type="BOUGHT",
                        occurred_at=moment,
                        checkout_form_id=name,
                        payload={},
                    )
                )
    run = tenant.client.post(
        "/api/v1/runs",
        json={
            "kind": "maintenance.cleanup",
            "params": {"orders_days": 30, "order_events_days": 30},
        },
    ).json()
    done = execute(tenant, run["id"])
    assert done["status"] == "completed"
    steps = {s["name"]: s["processed"] for s in done["steps"]}
    assert (steps["orders"], steps["order events"]) == (1, 1)
    with database.scope() as session:
        for owner, expected in ((tenant_id, {"new"}), (uuid.UUID(other.tenant_id), {"old", "new"})):
            orders = OrderRepository(session, owner)
            events = OrderEventRepository(session, owner)
            assert {o.external_id for o in orders.list(orders.select())} == expected
            assert {e.event_id for e in events.list(events.select())} == expected
