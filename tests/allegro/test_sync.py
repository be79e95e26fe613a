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


def authorized(tenant: TenantHandle, sandbox: AllegroSandbox) -> str:
    connection_id = create_connection(tenant, sandbox)
    authorize_connection(tenant, sandbox, connection_id)
    assert sync(tenant, connection_id)["status"] == "completed"
    return connection_id


def by_form(handle: TenantHandle) -> dict[str, dict[str, Any]]:
    return {o["external_id"]: o for o in orders(handle)["items"]}


def test_later_changes_replace_the_order_and_repeats_change_nothing(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    paid, unpaid, shipped = allegro_sandbox.create_orders(3)
    allegro_sandbox.change(unpaid, "cancel")
    allegro_sandbox.change(shipped, "fulfillment", status="SENT")
    run = sync(tenant, connection_id)
    held = by_form(tenant)
    assert held[unpaid]["status"] == "CANCELLED"
    assert held[shipped]["fulfillment_status"] == "SENT"
    assert held[paid]["status"] == "READY_FOR_PROCESSING"
    assert step(run, "orders")["inserted"] == 3

    allegro_sandbox.change(paid, "cancel")
    again = sync(tenant, connection_id)
    assert step(again, "orders")["updated"] == 1
    assert by_form(tenant)[paid]["status"] == "CANCELLED"
    assert step(sync(tenant, connection_id), "events")["processed"] == 0


def test_duplicate_events_are_stored_once_and_fetch_nothing_more(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    allegro_sandbox.faults(duplicate_events=True)
    ids = allegro_sandbox.create_orders(4)
    before = allegro_sandbox.stats()["requests"].get("/api/order/checkout-forms", 0)
    run = sync(tenant, connection_id, events_per_page=5)
    events = step(run, "events")
    assert events["processed"] == 24  # 4 orders x 3 events, each twice
    assert (events["inserted"], events["unchanged"]) == (12, 12)
    assert set(by_form(tenant)) == set(ids)
    fetched = sum(
        n
        for path, n in allegro_sandbox.stats()["requests"].items()
        if path.startswith("/api/order/checkout-forms/")
    )
    assert fetched == 4  # a duplicate of an order already held costs no request
    assert allegro_sandbox.stats()["requests"].get("/api/order/checkout-forms", 0) == before
    detail = tenant.client.get(f"/api/v1/orders/{by_form(tenant)[ids[0]]['id']}").json()
    assert [e["type"] for e in detail["events"]] == ["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"]


def test_out_of_order_and_late_events_never_bring_back_an_older_state(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    allegro_sandbox.faults(out_of_order=True)
    (form_id,) = allegro_sandbox.create_orders(1)
    allegro_sandbox.change(form_id, "cancel")
    # One event per page: the cancellation is stored first, then the older events come.
    run = sync(tenant, connection_id, events_per_page=1)
    assert run["status"] == "completed"
    assert step(run, "events")["processed"] == 4
    held = by_form(tenant)[form_id]
    assert held["status"] == "CANCELLED"
    assert (
        held["revision"] == allegro_sandbox.emulator.world.forms[form_id].history[-1][1]["revision"]
    )


def test_a_lagging_listing_does_not_keep_old_states(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    ids = allegro_sandbox.create_orders(12, paid=False)
    allegro_sandbox.faults(list_lag_seconds=3600)  # the listing shows none of them yet
    for form_id in ids[:6]:
        allegro_sandbox.change(form_id, "pay")
    sync(tenant, connection_id)
    statuses = {form_id: o["status"] for form_id, o in by_form(tenant).items()}
    assert statuses == {
        form_id: "READY_FOR_PROCESSING" if n < 6 else "FILLED_IN" for n, form_id in enumerate(ids)
    }


def test_a_malformed_form_is_a_record_error_and_the_rest_goes_on(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    good, bad = allegro_sandbox.create_orders(2)
    form = allegro_sandbox.emulator.world.forms[bad]
    form.history[-1][1]["summary"]["totalToPay"]["amount"] = "12,50"
    run = sync(tenant, connection_id)
    assert run["status"] == "completed_with_errors"
    (error,) = tenant.client.get(f"/api/v1/runs/{run['id']}/errors").json()["items"]
    assert (error["external_id"], error["field"], error["value"]) == (
        bad,
        "summary.totalToPay.amount",
        "12,50",
    )
    assert set(by_form(tenant)) == {good}


def test_throttling_and_outages_are_retried_within_the_run(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    ids = allegro_sandbox.create_orders(3)
    allegro_sandbox.faults(
        fail=[
            {"path": "/api/order/events", "status": 429, "times": 1},
            {"path": "/api/order/checkout-forms/", "status": 503, "times": 1},
        ]
    )
    run = sync(tenant, connection_id)
    assert run["status"] == "completed", run
    assert run["attempt"] == 1
    assert set(by_form(tenant)) == set(ids)


def test_a_failure_keeps_every_committed_page_and_the_next_run_goes_on(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    ids = allegro_sandbox.create_orders(4)
    # The third page of events is refused for good (a 4xx is not retried).
    allegro_sandbox.faults(
        fail=[{"path": "/api/order/events", "status": 403, "times": 1, "skip": 2}]
    )
    failed = sync(tenant, connection_id, events_per_page=3)
    assert failed["status"] == "failed"
    assert "403" in failed["error"]
    assert set(by_form(tenant)) == set(ids[:2])  # pages 1 and 2: two whole orders
    connection = tenant.client.get(f"/api/v1/connections/{connection_id}").json()
    assert connection["status"] == "needs_attention"

    resumed = sync(tenant, connection_id, events_per_page=3)
    assert resumed["status"] == "completed"
    assert step(resumed, "events")["processed"] == 6
    assert set(by_form(tenant)) == set(ids)
    assert orders(tenant)["total"] == 4
    assert tenant.client.get(f"/api/v1/connections/{connection_id}").json()["status"] == "ok"


def test_a_dead_refresh_token_pauses_the_syncs_until_authorized_again(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    allegro_sandbox.control.post("/_emulator/revoke")  # e.g. the seller changed the password
    failed = sync(tenant, connection_id)
    assert failed["status"] == "failed"
    assert failed["attempt"] == 1
    assert "authorize the connection again" in failed["error"]
    connection = tenant.client.get(f"/api/v1/connections/{connection_id}").json()
    assert connection["status"] == "needs_reauthorization"
    (schedule,) = tenant.client.get("/api/v1/schedules", params={"kind": "allegro.orders"}).json()[
        "items"
    ]
    assert schedule["enabled"] is False

    requests = allegro_sandbox.stats()["requests"]
    assert sync(tenant, connection_id)["status"] == "failed"
    assert allegro_sandbox.stats()["requests"] == {**requests, "/_emulator/stats": 2}

    authorize_connection(tenant, allegro_sandbox, connection_id)
    assert sync(tenant, connection_id)["status"] == "completed"
    schedule = tenant.client.get(f"/api/v1/schedules/{schedule['id']}").json()
    assert schedule["enabled"] is True
    assert tenant.client.get(f"/api/v1/connections/{connection_id}").json()["status"] == "ok"


def test_merged_purchases_become_one_order(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    first, second = allegro_sandbox.create_orders(2, paid=False)
    merged = allegro_sandbox.control.post("/_emulator/merge", json={"ids": [first, second]})
    run = sync(tenant, connection_id)
    assert run["status"] == "completed"
    assert set(by_form(tenant)) == {merged.json()["id"]}
    logs = tenant.client.get("/api/v1/logs", params={"run_id": run["id"]}).json()["items"]
    assert sum("no longer exists" in entry["message"] for entry in logs) == 2


def test_many_new_orders_take_few_requests(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = authorized(tenant, allegro_sandbox)
    ids = allegro_sandbox.create_orders(250)
    before = allegro_sandbox.stats()["requests"]
    run = sync(tenant, connection_id, events_per_page=300)
    after = allegro_sandbox.stats()["requests"]
    made = {p: n - before.get(p, 0) for p, n in after.items() if n > before.get(p, 0)}
    made.pop("/_emulator/stats")
    # 750 events in pages of 300; the forms they point to from one listing read once, 100 a page.
    assert made == {"/api/order/events": 3, "/api/order/checkout-forms": 3}
    assert step(run, "orders")["inserted"] == 250
    assert set(by_form(tenant)) == set(ids)


def test_subscribers_hear_of_new_and_changed_orders_and_a_broken_connection(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    endpoint = tenant.client.post(
        "/api/v1/webhooks/endpoints",
        json={
            "url": "https://hooks.ihub.invalid/orders",  # never resolves: nothing is sent
            "event_types": ["order.created", "order.updated", "connection.needs_attention"],
        },
    ).json()
    connection_id = authorized(tenant, allegro_sandbox)
    (form_id,) = allegro_sandbox.create_orders(1)
    sync(tenant, connection_id)
    allegro_sandbox.change(form_id, "cancel")
    sync(tenant, connection_id)
    allegro_sandbox.control.post("/_emulator/revoke")
    sync(tenant, connection_id)

    messages = tenant.client.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/messages").json()
    payloads = {
        m["event_type"]: tenant.client.get(f"/api/v1/webhooks/messages/{m['id']}").json()[
            "payload"
        ]["data"]
        for m in messages["items"]
    }
    assert set(payloads) == {"order.created", "order.updated", "connection.needs_attention"}
    assert payloads["order.created"]["external_id"] == form_id
    assert payloads["order.updated"]["status"] == "CANCELLED"
    assert payloads["order.updated"]["changes"] == ["status"]
    broken = payloads["connection.needs_attention"]
    assert (broken["connection_id"], broken["status"]) == (connection_id, "needs_reauthorization")
