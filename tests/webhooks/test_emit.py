"""``emit`` writes in the caller's transaction; run endings are announced."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from ihub.config import get_settings
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import Run, RunStatus, WebhookEvent, WebhookMessage
from ihub.runs import runner
from ihub.runs.sweep import sweep
from ihub.webhooks import emit
from tests.fixtures.app import TenantHandle
from tests.runs.test_runner import start
from tests.webhooks.conftest import new_endpoint

# .invalid never resolves (RFC 2606): nothing here is ever sent anywhere.
URL = "https://hooks.ihub.invalid/ihub"


def bodies(database: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    with database.scope(write=False) as session:
        stmt = select(WebhookEvent.payload).order_by(WebhookEvent.created_at)
        if event_type:
            stmt = stmt.where(WebhookEvent.type == event_type)
        return [json.loads(payload) for payload in session.scalars(stmt)]


def message_count(database: Database) -> int:
    with database.scope(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(WebhookMessage)) or 0)


def test_an_event_exists_only_if_its_transaction_commits(
    api: TestClient, tenant: TenantHandle, database: Database
) -> None:
    new_endpoint(api, URL)
    tenant_id = uuid.UUID(tenant.tenant_id)

    def failing_change() -> None:
        with database.scope() as session:
            emit(session, tenant_id, "order.created", {"order_id": "1"})
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert message_count(database) == 0
    with database.scope() as session:
        emit(session, tenant_id, "order.created", {"order_id": "2", "at": utcnow()})
    (body,) = bodies(database)
    assert body["type"] == "order.created"
    assert body["data"]["order_id"] == "2"
    assert body["timestamp"].endswith("Z")


def test_only_subscribed_enabled_endpoints_get_a_message(
    api: TestClient, tenant: TenantHandle, database: Database
) -> None:
    everything = new_endpoint(api, URL)
    orders = new_endpoint(api, URL, event_types=["order.created", "order.updated"])
    new_endpoint(api, URL, event_types=["batch.created"])
    new_endpoint(api, URL, enabled=False)
    with database.scope() as session:
        emit(session, uuid.UUID(tenant.tenant_id), "order.updated", {"order_id": "1"})
    with database.scope(write=False) as session:
        receivers = set(session.scalars(select(WebhookMessage.endpoint_id)))
    assert receivers == {uuid.UUID(everything["id"]), uuid.UUID(orders["id"])}


def test_without_subscribers_nothing_is_written(tenant: TenantHandle, database: Database) -> None:
    with database.scope() as session:
        emit(session, uuid.UUID(tenant.tenant_id), "order.created", {"order_id": "1"})
    assert bodies(database) == []


def test_unknown_types_and_oversized_payloads_are_refused(
    api: TestClient, tenant: TenantHandle, database: Database
) -> None:
    new_endpoint(api, URL)
    tenant_id = uuid.UUID(tenant.tenant_id)
    with database.scope() as session:
        with pytest.raises(ValueError, match="unknown webhook event type"):
            emit(session, tenant_id, "order.exploded", {})
        limit = get_settings().webhooks_max_payload_bytes
        with pytest.raises(ValueError, match="the limit is"):
            emit(session, tenant_id, "order.created", {"blob": "x" * limit})


def test_finished_runs_are_announced_with_their_counters(
    api: TestClient, database: Database
) -> None:
    new_endpoint(api, URL, event_types=["run.completed", "run.failed"])
    clean = start(api, count=5, delay_ms=0)
    runner.execute(uuid.UUID(clean))
    with_errors = start(api, count=10, delay_ms=0, error_every=5)
    runner.execute(uuid.UUID(with_errors))
    failed = start(api, "test.boom", mode="terminal")
    runner.execute(uuid.UUID(failed))

    completed = {b["data"]["run_id"]: b["data"] for b in bodies(database, "run.completed")}
    assert completed[clean]["status"] == "completed"
    assert completed[clean]["with_errors"] is False
    assert completed[clean]["totals"]["inserted"] == 5
    assert completed[clean]["kind"] == "demo.counter"
    assert completed[with_errors]["status"] == "completed_with_errors"
    assert completed[with_errors]["with_errors"] is True
    assert completed[with_errors]["totals"]["errors"] == 2
    assert completed[with_errors]["steps"]["step 1"]["processed"] == 10
    (failure,) = [b["data"] for b in bodies(database, "run.failed")]
    assert failure["run_id"] == failed
    assert "check the login and password" in failure["error"]


def test_a_run_the_sweep_gives_up_on_is_announced(api: TestClient, database: Database) -> None:
    new_endpoint(api, URL, event_types=["run.failed"])
    run_id = uuid.UUID(start(api, count=5))
    settings = get_settings()
    with database.scope() as session:
        stale = utcnow() - timedelta(seconds=settings.run_stale_after_seconds + 1)
        session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(status=RunStatus.running, attempt=settings.run_max_attempts, heartbeat_at=stale)
        )
    with database.scope() as session:
        assert sweep(session, settings)["failed"] == 1
    (failure,) = [b["data"] for b in bodies(database, "run.failed")]
    assert failure["run_id"] == str(run_id)
    assert "stopped responding" in failure["error"]
