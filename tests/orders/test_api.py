"""Orders API over orders synced from the emulator: filters, sort, detail, stats, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.fixtures.allegro import AllegroSandbox, authorize_connection, create_connection, sync
from tests.fixtures.app import TenantHandle


@pytest.fixture
def synced(tenant: TenantHandle, allegro_sandbox: AllegroSandbox) -> dict[str, Any]:
    """Six orders: three paid, one of them sent, one cancelled, two unpaid."""
    connection_id = create_connection(tenant, allegro_sandbox)
    authorize_connection(tenant, allegro_sandbox, connection_id)
    assert sync(tenant, connection_id)["status"] == "completed"  # the journal is followed from here
    paid = allegro_sandbox.create_orders(3, paid=True)
    unpaid = allegro_sandbox.create_orders(3, paid=False)
    allegro_sandbox.change(paid[0], "fulfillment", status="SENT")
    allegro_sandbox.change(unpaid[0], "cancel")
    assert sync(tenant, connection_id)["status"] == "completed"
    return {"connection_id": connection_id, "paid": paid, "unpaid": unpaid}


def listed(tenant: TenantHandle, **params: Any) -> dict[str, Any]:
    response = tenant.client.get("/api/v1/orders", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_filters_by_status_fulfillment_buyer_and_connection(
    tenant: TenantHandle, synced: dict[str, Any], allegro_sandbox: AllegroSandbox
) -> None:
    assert listed(tenant)["total"] == 6
    ready = listed(tenant, status="READY_FOR_PROCESSING")
    assert {o["external_id"] for o in ready["items"]} == set(synced["paid"])
    both = listed(tenant, status=["CANCELLED", "FILLED_IN"])
    assert {o["external_id"] for o in both["items"]} == set(synced["unpaid"])
    assert [o["external_id"] for o in listed(tenant, fulfillment_status="SENT")["items"]] == [
        synced["paid"][0]
    ]
    login = allegro_sandbox.emulator.world.forms[synced["paid"][1]].buyer["login"]
    found = listed(tenant, q=login.upper()[2:8])["items"]
    assert synced["paid"][1] in {o["external_id"] for o in found}
    assert listed(tenant, connection_id=synced["connection_id"])["total"] == 6
    assert listed(tenant, connection_id="00000000-0000-0000-0000-000000000000")["total"] == 0


def test_date_range_sort_and_pages(tenant: TenantHandle, synced: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    assert listed(tenant, since=(now - timedelta(hours=1)).isoformat())["total"] == 6
    assert listed(tenant, until=(now - timedelta(hours=1)).isoformat())["total"] == 0
    by_total = listed(tenant, sort="-total")["items"]
    totals = [Decimal(o["total"]["amount"]) for o in by_total]
    assert totals == sorted(totals, reverse=True)
    first, second = listed(tenant, page_size=4, page=1), listed(tenant, page_size=4, page=2)
    assert (len(first["items"]), len(second["items"]), first["total"]) == (4, 2, 6)
    assert not {o["id"] for o in first["items"]} & {o["id"] for o in second["items"]}
    bad = tenant.client.get("/api/v1/orders", params={"sort": "buyer"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_one_order_has_lines_money_events_and_the_raw_document(
    tenant: TenantHandle, synced: dict[str, Any], allegro_sandbox: AllegroSandbox
) -> None:
    order = next(o for o in listed(tenant)["items"] if o["external_id"] == synced["paid"][0])
    detail = tenant.client.get(f"/api/v1/orders/{order['id']}").json()
    form = allegro_sandbox.emulator.world.forms[synced["paid"][0]].history[-1][1]
    assert detail["total"] == form["summary"]["totalToPay"]
    assert detail["raw"] == form
    assert detail["revision"] == form["revision"]
    assert [line["offer_id"] for line in detail["lines"]] == [
        line["offer"]["id"] for line in form["lineItems"]
    ]
    assert [e["type"] for e in detail["events"]] == [
        "BOUGHT",
        "FILLED_IN",
        "READY_FOR_PROCESSING",
        "FULFILLMENT_STATUS_CHANGED",
    ]
    assert (
        tenant.client.get("/api/v1/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7").status_code == 404
    )


def test_stats_count_everything_and_revenue_without_cancelled(
    tenant: TenantHandle, synced: dict[str, Any]
) -> None:
    items = listed(tenant)["items"]
    stats = tenant.client.get("/api/v1/orders/stats").json()
    assert stats["count"] == 6
    kept: dict[str, Decimal] = {}
    for o in items:
        if o["status"] != "CANCELLED":
            currency = o["total"]["currency"]
            kept[currency] = kept.get(currency, Decimal(0)) + Decimal(o["total"]["amount"])
    assert {m["currency"]: Decimal(m["amount"]) for m in stats["revenue"]} == kept
    assert sum(day["count"] for day in stats["by_day"]) == 6
    assert stats["by_day"][-1]["day"] == datetime.now(UTC).date().isoformat()
    assert {s["status"]: s["count"] for s in stats["by_status"]} == {
        "CANCELLED": 1,
        "FILLED_IN": 2,
        "READY_FOR_PROCESSING": 3,
    }
    only_ready = tenant.client.get(
        "/api/v1/orders/stats", params={"status": "READY_FOR_PROCESSING"}
    )
    assert only_ready.json()["count"] == 3


def test_export_streams_every_match_as_csv_or_json(
    tenant: TenantHandle, synced: dict[str, Any]
) -> None:
    response = tenant.client.get("/api/v1/orders/export", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="orders.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 6
    assert {r["external_id"] for r in rows} == set(synced["paid"] + synced["unpaid"])
    assert all(json.loads(r["lines"]) for r in rows)
    assert all(Decimal(r["total"]) > 0 and r["currency"] for r in rows)

    cancelled = tenant.client.get(
        "/api/v1/orders/export", params={"format": "json", "status": "CANCELLED"}
    )
    assert cancelled.headers["content-type"].startswith("application/json")
    (only,) = cancelled.json()
    assert only["external_id"] == synced["unpaid"][0]
    assert only["buyer"]["login"]
    assert tenant.client.get("/api/v1/orders/export", params={"format": "xml"}).status_code == 422


def test_orders_of_another_tenant_are_invisible(make_tenant: Any, synced: dict[str, Any]) -> None:
    stranger = make_tenant("Stranger")
    assert stranger.client.get("/api/v1/orders").json()["total"] == 0
    assert stranger.client.get("/api/v1/orders/stats").json()["count"] == 0
    assert stranger.client.get("/api/v1/orders/export?format=json").json() == []
