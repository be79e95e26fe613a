"""Authorizing an Allegro connection through the API: the device flow as a run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ihub.sandbox.allegro.authority import OAuthError
from ihub.sandbox.allegro.config import DEMO_CLIENT_ID
from tests.fixtures.allegro import AllegroSandbox, MakeSandbox, create_connection, execute
from tests.fixtures.app import TenantHandle


def start(tenant: TenantHandle, connection_id: str) -> dict[str, Any]:
    response = tenant.client.post(f"/api/v1/connections/{connection_id}/authorize")
    assert response.status_code == 202, response.text
    return dict(response.json())


def state(tenant: TenantHandle, connection_id: str) -> dict[str, Any]:
    response = tenant.client.get(f"/api/v1/connections/{connection_id}/authorization")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_approval_completes_and_schedules_the_sync(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    missing = tenant.client.get(f"/api/v1/connections/{connection_id}/authorization")
    assert missing.status_code == 404

    pending = start(tenant, connection_id)
    assert pending["status"] == "pending"
    assert pending["verification_uri_complete"].endswith(f"?code={pending['user_code']}")
    assert start(tenant, connection_id)["run_id"] == pending["run_id"]  # one at a time
    page = httpx.get(pending["verification_uri_complete"])
    assert pending["user_code"] in page.text

    allegro_sandbox.approve(pending["user_code"])
    run = execute(tenant, pending["run_id"])
    assert run["status"] == "completed"
    done = state(tenant, connection_id)
    assert done["status"] == "completed"
    assert done["account_id"] == allegro_sandbox.emulator.config.seller_id
    assert done["connection_status"] == "ok"
    assert "device_code" in run["params"]
    assert run["params"]["device_code"].startswith("v1:")  # sealed, never readable here

    (schedule,) = tenant.client.get("/api/v1/schedules", params={"kind": "allegro.orders"}).json()[
        "items"
    ]
    assert (schedule["cron"], schedule["connection_id"], schedule["enabled"]) == (
        "*/5 * * * *",
        connection_id,
        True,
    )
    queued = tenant.client.get(
        "/api/v1/runs", params={"kind": "allegro.orders", "status": "queued"}
    ).json()["items"]
    assert [r["trigger"] for r in queued] == ["authorization"]
    actions = [e["action"] for e in tenant.client.get("/api/v1/audit").json()["items"]]
    assert {"connection.authorization_started", "connection.authorized"} <= set(actions)


def test_a_refusal_fails_with_the_reason(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    pending = start(tenant, connection_id)
    allegro_sandbox.approve(pending["user_code"], approve=False)
    assert execute(tenant, pending["run_id"])["status"] == "failed"
    refused = state(tenant, connection_id)
    assert refused["status"] == "failed"
    assert "refused" in refused["reason"]
    assert start(tenant, connection_id)["run_id"] != pending["run_id"]  # a new one may start


def test_an_expired_code_is_expired(tenant: TenantHandle, allegro_sandbox: AllegroSandbox) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    pending = start(tenant, connection_id)
    grant = allegro_sandbox.emulator.authority.by_user_code(pending["user_code"])
    assert grant is not None
    grant.expires_at = grant.expires_at.replace(year=2000)
    execute(tenant, pending["run_id"])
    expired = state(tenant, connection_id)
    assert expired["status"] == "expired"
    assert "expired" in expired["reason"]


def test_slow_down_makes_the_polls_five_seconds_apart(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    pending = start(tenant, connection_id)
    authority = allegro_sandbox.emulator.authority
    grant = authority.by_user_code(pending["user_code"])
    assert grant is not None
    grant.interval = 60  # Allegro said 0 s between polls, but wants a minute
    told_to_slow_down = []
    poll = authority.poll

    def poll_and_approve_after_slow_down(*args: Any) -> dict[str, Any]:
        try:
            return poll(*args)
        except OAuthError as exc:
            if exc.body["error"] == "slow_down":
                told_to_slow_down.append(args)
                grant.interval, grant.state = 0, "approved"
            raise

    monkeypatch.setattr(authority, "poll", poll_and_approve_after_slow_down)
    run = execute(tenant, pending["run_id"])
    assert run["status"] == "completed", run
    assert len(told_to_slow_down) == 1
    assert run["checkpoint"]["interval"] == 5


def test_cancelling_the_wait_fails_the_authorization(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    pending = start(tenant, connection_id)
    tenant.client.post(f"/api/v1/runs/{pending['run_id']}/cancel")
    assert state(tenant, connection_id)["status"] == "failed"


def test_wrong_client_secret_or_an_unreachable_allegro_is_a_clear_problem(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox, make_allegro_sandbox: MakeSandbox
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    tenant.client.patch(
        f"/api/v1/connections/{connection_id}", json={"secrets": {"client_secret": "wrong"}}
    )
    refused = tenant.client.post(f"/api/v1/connections/{connection_id}/authorize")
    assert refused.status_code == 422
    assert "invalid_client" in refused.json()["detail"]

    gone = create_connection(tenant, allegro_sandbox, name="Gone")
    tenant.client.patch(
        f"/api/v1/connections/{gone}",
        json={"settings": {"auth_url": "http://127.0.0.1:9", "api_url": "http://127.0.0.1:9"}},
    )
    unreachable = tenant.client.post(f"/api/v1/connections/{gone}/authorize")
    assert unreachable.status_code == 502
    assert unreachable.headers["content-type"].startswith("application/problem+json")


def test_other_kinds_of_connection_have_no_authorization_or_sync(tenant: TenantHandle) -> None:
    onec = tenant.client.post(
        "/api/v1/connections",
        json={
            "kind": "onec_odata",
            "name": "1C",
            "settings": {"base_url": "http://127.0.0.1:9/ut11", "username": "u"},
            "secrets": {"password": "p"},
        },
    ).json()["id"]
    assert tenant.client.post(f"/api/v1/connections/{onec}/authorize").status_code == 422
    assert tenant.client.get(f"/api/v1/connections/{onec}/authorization").status_code == 422
    assert tenant.client.post(f"/api/v1/connections/{onec}/sync").status_code == 422


def test_sync_now_queues_one_run_at_a_time(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    first = tenant.client.post(f"/api/v1/connections/{connection_id}/sync")
    assert first.status_code == 202
    assert first.json()["kind"] == "allegro.orders"
    assert tenant.client.post(f"/api/v1/connections/{connection_id}/sync").status_code == 409
    failed = execute(tenant, first.json()["id"])
    assert failed["status"] == "failed"
    assert "not authorized" in failed["error"]


def test_the_connection_test_checks_the_client_credentials(
    tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = create_connection(tenant, allegro_sandbox)
    ok = tenant.client.post(f"/api/v1/connections/{connection_id}/test").json()
    assert ok["ok"] is True, ok
    assert [s["name"] for s in ok["steps"]] == ["client credentials", "REST API"]
    tenant.client.patch(
        f"/api/v1/connections/{connection_id}",
        json={"settings": {"client_id": DEMO_CLIENT_ID + "-unknown"}},
    )
    refused = tenant.client.post(f"/api/v1/connections/{connection_id}/test").json()
    assert refused["ok"] is False
    assert "refused the Client ID" in refused["message"]
