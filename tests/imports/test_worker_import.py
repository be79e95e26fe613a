"""A real worker process is killed in the middle of an import; the sweep resumes the run on
another worker from its checkpoint, and the data ends up complete and without duplicates."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from ihub.config import get_settings
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import Counterparty, Organization, Product, Run, RunError, StockBalance
from ihub.runs.sweep import sweep
from tests.fixtures.onec import OneCSandbox
from tests.fixtures.worker import wait_for
from tests.imports.helpers import by_name, connect, products_processed, progress, start

pytestmark = pytest.mark.worker


def finished(api: TestClient, import_id: str) -> dict[str, Any] | None:
    document = progress(api, import_id)
    return document if document["status"] not in ("queued", "running") else None


def test_a_killed_worker_resumes_without_duplicates_or_gaps(
    api: TestClient,
    onec_sandbox: Callable[..., OneCSandbox],
    worker_process: Any,
    database: Database,
) -> None:
    sandbox = onec_sandbox(products=3000, faults={"latency_ms": 40})
    connection = connect(api, sandbox, page_size=100)
    first = worker_process()
    import_id = start(api, connection)
    wait_for(lambda: products_processed(api, import_id) >= 800, timeout=120)
    first.kill()
    interrupted = progress(api, import_id)
    assert interrupted["status"] == "running"
    assert by_name(interrupted)["stock"]["processed"] == 0

    with database.scope() as session:  # the heartbeat went stale long ago
        stale = utcnow() - timedelta(seconds=get_settings().run_stale_after_seconds + 5)
        session.execute(
            update(Run).where(Run.id == uuid.UUID(import_id)).values(heartbeat_at=stale)
        )
    with database.scope() as session:
        assert sweep(session, get_settings())["resumed"] == 1
    worker_process()
    document = wait_for(lambda: finished(api, import_id), timeout=180)

    assert document["status"] == "completed_with_errors", document["error"]
    run = api.get(f"/api/v1/runs/{import_id}").json()
    assert run["attempt"] == 2
    aggregates = by_name(document)
    for name, aggregate in aggregates.items():
        assert aggregate["processed"] == aggregate["total"], name
        assert aggregate["updated"] == aggregate["unchanged"] == 0, name  # nothing seen twice
    products = aggregates["products"]
    assert products["inserted"] == products["total"] == 3000 - 75  # 75 groups

    expected_keys = {
        sandbox.state.data.guid(0x0A03, i)
        for i in range(3000)
        if not sandbox.state.data.is_product_folder(i)
    }
    with database.scope(write=False) as session:
        keys = session.scalars(select(Product.external_id)).all()
        assert len(keys) == len(set(keys)) == 2925
        assert set(keys) == expected_keys  # no gaps
        assert (
            session.scalar(select(func.count()).select_from(StockBalance))
            == (aggregates["stock"]["total"])
        )
        problems = sum(
            len(row)
            for model in (Organization, Counterparty)
            for row in session.scalars(select(model.problems))
        )
        errors = session.scalar(
            select(func.count())
            .select_from(RunError)
            .where(RunError.run_id == uuid.UUID(import_id))
        )
    # Each invalid record's problems were listed exactly once, across both attempts.
    assert errors == problems == document["total_errors"]
