"""Runs through a real Celery worker process and a real broker (embedded, Redis or RabbitMQ)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from ihub.config import get_settings
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import Run
from ihub.runs.sweep import sweep
from tests.fixtures.worker import wait_for
from tests.runs.test_runner import get, start

pytestmark = pytest.mark.worker


def finished(api: TestClient, run_id: str) -> dict[str, Any] | None:
    run = get(api, run_id)
    return run if run["status"] not in ("queued", "running") else None


def test_a_worker_process_completes_a_run(api: TestClient, worker_process: Any) -> None:
    worker_process()
    run_id = start(api, count=20, delay_ms=5, batch=5)
    run = wait_for(lambda: finished(api, run_id), timeout=60)
    assert run["status"] == "completed"
    assert run["totals"]["inserted"] == 20


def test_a_killed_worker_is_resumed_from_its_checkpoint(
    api: TestClient, worker_process: Any, database: Database
) -> None:
    first = worker_process()
    run_id = start(api, count=200, delay_ms=20, batch=10)
    wait_for(lambda: get(api, run_id)["totals"]["processed"] >= 30, timeout=60)
    first.kill()
    before = get(api, run_id)
    assert before["status"] == "running"
    with database.scope() as session:  # pretend the heartbeat went stale long ago
        stale = utcnow() - timedelta(seconds=get_settings().run_stale_after_seconds + 5)
        session.execute(update(Run).where(Run.id == uuid.UUID(run_id)).values(heartbeat_at=stale))
    with database.scope() as session:
        assert sweep(session, get_settings())["resumed"] == 1
    worker_process()
    run = wait_for(lambda: finished(api, run_id), timeout=90)
    assert run["status"] == "completed"
    assert run["attempt"] == 2
    # Every item counted exactly once: the slice in flight at the kill was rolled back.
    assert run["steps"][0]["inserted"] == 200
    assert run["steps"][0]["processed"] == 200
