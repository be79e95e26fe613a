"""The endpoints API: secrets shown once, validation, audit, the catalog, message log, retention."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from ihub.runs import runner
from tests.runs.test_runner import get, start
from tests.webhooks.conftest import Receiver, new_endpoint

# .invalid never resolves (RFC 2606): nothing here is ever sent anywhere.
URL = "https://hooks.ihub.invalid/ihub"
ISSUE_TYPES = {
    "run.completed",
    "run.failed",
    "connection.needs_attention",
    "order.created",
    "order.updated",
    "batch.created",
    "batch.status_changed",
    "report.ready",
    "outbox.message_failed",
    "webhook.endpoint_disabled",
}


def test_the_catalog_describes_every_event_type_with_an_example(api: TestClient) -> None:
    types = api.get("/api/v1/webhooks/event-types").json()
    assert {t["name"] for t in types} >= ISSUE_TYPES
    for t in types:
        assert t["description"]
        assert t["example"]["type"] == t["name"]
        assert set(t["example"]) == {"type", "timestamp", "data"}
        assert t["example"]["data"]


def test_the_secret_is_shown_at_creation_only(api: TestClient, database: Database) -> None:
    created = new_endpoint(api, URL, description="ERP", event_types=["order.created"])
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) >= len("whsec_") + 32  # 24+ random bytes, base64
    fetched = api.get(f"/api/v1/webhooks/endpoints/{created['id']}").json()
    assert "secret" not in fetched
    assert fetched["event_types"] == ["order.created"]
    listed = api.get("/api/v1/webhooks/endpoints").json()
    assert [e["id"] for e in listed["items"]] == [created["id"]]
    assert secret not in str(listed)
    with database.scope(write=False) as session:  # encrypted at rest
        stored = session.scalar(select(WebhookEndpoint.secret))
    assert stored
    assert secret not in stored


def test_bad_endpoints_are_refused_with_a_clear_problem(api: TestClient) -> None:
    for body in (
        {"url": "ftp://files.ihub.invalid/in"},
        {"url": "not a url"},
        {"url": URL, "event_types": ["order.exploded"]},
    ):
        response = api.post("/api/v1/webhooks/endpoints", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v1/webhooks/endpoints").json()["total"] == 0


def test_update_delete_and_audit(api: TestClient) -> None:
    endpoint = new_endpoint(api, URL)
    path = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    changed = api.patch(path, json={"description": "BI", "event_types": ["run.failed"]})
    assert changed.status_code == 200
    assert changed.json()["description"] == "BI"
    assert (
        api.patch(path, json={"enabled": False}).json()["disabled_reason"].startswith("Disabled by")
    )
    enabled = api.patch(path, json={"enabled": True}).json()
    assert enabled["enabled"] is True
    assert enabled["disabled_reason"] is None
    assert api.post(f"{path}/rotate-secret").status_code == 200
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    actions = [e["action"] for e in api.get("/api/v1/audit").json()["items"]]
    for action in ("created", "updated", "secret_rotated", "deleted"):
        assert f"webhook_endpoint.{action}" in actions


def test_viewers_read_operators_resend_admins_manage(
    api: TestClient, anonymous: TestClient
) -> None:
    endpoint = new_endpoint(api, URL)

    def client(role: str) -> dict[str, str]:
        key = api.post("/api/v1/api-keys", json={"name": role, "role": role}).json()["key"]
        return {"Authorization": f"Bearer {key}"}

    viewer, operator = client("viewer"), client("operator")
    path = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    assert anonymous.get(path, headers=viewer).status_code == 200
    assert anonymous.post(f"{path}/test", headers=viewer).status_code == 403
    assert anonymous.post(f"{path}/test", headers=operator).status_code == 202
    assert anonymous.patch(path, json={}, headers=operator).status_code == 403
    assert anonymous.post(f"{path}/rotate-secret", headers=operator).status_code == 403


def test_the_message_log_filters_and_recovers_failed_messages(
    api: TestClient, receiver: Receiver, dispatch: Any, database: Database
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    path = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    for _ in range(3):
        assert api.post(f"{path}/test").status_code == 202
    api.patch(path, json={"enabled": False})  # waiting messages fail
    log = api.get(f"{path}/messages", params={"status": "failed"}).json()
    assert log["total"] == 3
    assert all("disabled" in m["last_error"] for m in log["items"])
    assert api.post(f"{path}/recover", json={"since": "2000-01-01T00:00:00"}).status_code == 409
    api.patch(path, json={"enabled": True})
    recovered = api.post(f"{path}/recover", json={"since": "2000-01-01T00:00:00"})
    assert recovered.status_code == 202
    assert recovered.json() == {"recovered": 3}
    assert dispatch() == 3
    delivered = api.get(f"{path}/messages", params={"status": ["delivered"]}).json()
    assert delivered["total"] == 3
    assert api.get(f"{path}/messages", params={"event_type": "order.created"}).json()["total"] == 0
    one = api.get(f"/api/v1/webhooks/messages/{delivered['items'][0]['id']}").json()
    assert one["payload"]["type"] == "webhook.ping"


def test_retention_deletes_old_events_with_their_messages_and_attempts(
    api: TestClient, receiver: Receiver, dispatch: Any, database: Database
) -> None:
    endpoint = new_endpoint(api, receiver.url, event_types=["order.created"])  # pings only
    for _ in range(2):
        api.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/test")
    dispatch()
    with database.scope() as session:
        oldest = session.scalars(select(WebhookEvent.id).order_by(WebhookEvent.created_at)).first()
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == oldest)
            .values(created_at=utcnow() - timedelta(days=31))
        )
    run_id = start(api, "maintenance.cleanup")
    runner.execute(uuid.UUID(run_id))
    run = get(api, run_id)
    assert run["status"] == "completed"
    assert next(s for s in run["steps"] if s["name"] == "webhook messages")["processed"] == 1
    with database.scope(write=False) as session:
        for model in (WebhookEvent, WebhookMessage, WebhookAttempt):
            assert session.scalar(select(func.count()).select_from(model)) == 1, model
        assert session.scalar(select(WebhookMessage.status)) == MessageStatus.delivered
