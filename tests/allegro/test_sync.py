"""``allegro.orders`` end to end: emulator over HTTP, real database, the run machinery."""

from __future__ import annotations

from typing import Any

from tests.fixtures.allegro import (
    AllegroSandbox,
    authorize_connection,
    create_connection,
    sync,
)
from tests.fixtures.app import TenantHandle


def orders(handle: TenantHandle, **params: Any) -> dict[str, Any]:
    response = handle.client.get("/api/v1/orders", params={"page_size": 500, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def step(run: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in run["steps"] if s["name"] == name)


def test_first_sync_backfills_then_follows_the_journal(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    earlier = allegro_sandbox.create_orders(5)
    connection_id = create_connection(tenant, allegro_sandbox)
    authorize_connection(tenant, allegro_sandbox, connection_id)

    first = sync(tenant, connection_id)
    assert first["status"] == "completed", first
    assert step(first, "backfill")["inserted"] == 5
    assert step(first, "events")["processed"] == 0
    assert {o["external_id"] for o in orders(tenant)["items"]} == set(earlier)

    later = allegro_sandbox.create_orders(3)
    second = sync(tenant, connection_id)
    assert second["status"] == "completed", second
    assert [s["name"] for s in second["steps"]] == ["events", "orders"]
    assert step(second, "events")["processed"] == 9
    assert step(second, "orders")["inserted"] == 3
    listed = orders(tenant)
    assert listed["total"] == 8
    assert {o["external_id"] for o in listed["items"]} == set(earlier + later)

    connection = tenant.client.get(f"/api/v1/connections/{connection_id}").json()
    assert connection["status"] == "ok"
