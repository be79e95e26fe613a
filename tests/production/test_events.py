"""Production announces its changes as webhook events, in the same transaction."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.production.conftest import make_batch, move
from tests.production.test_reports import report


def _messages(api: TestClient, endpoint_id: str) -> list[dict[str, Any]]:
    items = api.get(f"/api/v1/webhooks/endpoints/{endpoint_id}/messages").json()["items"]
    return [api.get(f"/api/v1/webhooks/messages/{m['id']}").json() for m in reversed(items)]


def test_batches_and_reports_are_announced(api: TestClient, product: str, work_center: str) -> None:
    endpoint = api.post(
        "/api/v1/webhooks/endpoints",
        json={
            "url": "https://hooks.ihub.invalid/plant",
            "event_types": ["batch.created", "batch.status_changed", "report.ready"],
        },
    ).json()
    batch = make_batch(api, product, work_center)
    move(api, batch["id"], "in_progress", at="2026-11-05T06:10:00Z")
    report(api, "batch_register")

    messages = _messages(api, endpoint["id"])
    assert [m["event_type"] for m in messages] == [
        "batch.created",
        "batch.status_changed",
        "report.ready",
    ]
    created, moved, ready = (m["payload"]["data"] for m in messages)
    assert created["id"] == batch["id"]
    assert created["number"] == batch["number"]
    assert moved["from_status"] == "planned"
    assert moved["status"] == "in_progress"
    assert ready["kind"] == "batch_register"
    assert ready["rows"] == 1
    api_report = api.get(f"/api/v1/reports/{ready['report_id']}")
    assert api_report.status_code == 200


def test_a_refused_move_announces_nothing(api: TestClient, product: str, work_center: str) -> None:
    endpoint = api.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://hooks.ihub.invalid/plant", "event_types": ["batch.status_changed"]},
    ).json()
    batch = make_batch(api, product, work_center)
    response = api.post(f"/api/v1/batches/{batch['id']}/transition", json={"to": "completed"})
    assert response.status_code == 409
    assert _messages(api, endpoint["id"]) == []
