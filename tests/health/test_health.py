from __future__ import annotations

import uuid

import pytest
from celery import Celery
from fastapi.testclient import TestClient

from ihub.health import checks, metrics
from ihub.runs import runner
from tests.fixtures.app import TenantHandle


def test_live(anonymous: TestClient) -> None:
    assert anonymous.get("/health/live").json() == {"status": "ok"}


def test_ready_reports_each_dependency(anonymous: TestClient) -> None:
    response = anonymous.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "file_storage"}
    assert all(check["ok"] for check in body["checks"].values())


def test_ready_is_503_when_the_broker_is_down(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real broker client aimed at a port where nothing listens.
    monkeypatch.setattr(checks, "celery_app", Celery(broker="redis://127.0.0.1:9/0"))
    response = anonymous.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True


def test_metrics_need_a_credential_by_default(anonymous: TestClient) -> None:
    assert anonymous.get("/metrics").status_code == 401


def test_metrics_count_requests_runs_and_queue(api: TestClient, tenant: TenantHandle) -> None:
    run = api.post("/api/v1/runs", json={"kind": "demo.counter", "params": {"count": 1}}).json()
    runner.execute(uuid.UUID(run["id"]))
    metrics.state.invalidate()
    api.post("/api/v1/runs", json={"kind": "demo.counter", "params": {"count": 1}})
    text = api.get("/metrics").text
    assert 'ihub_http_requests_total{method="POST",route="/api/v1/runs",status="202"}' in text
    assert 'ihub_runs{kind="demo.counter",status="completed"} 1.0' in text
    assert 'ihub_queue_depth{queue="' in text
