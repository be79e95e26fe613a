from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ihub.runs import runner
from tests.fixtures import objects
from tests.fixtures.app import TenantHandle
from tests.fixtures.worker import wait_for


@pytest.fixture
def product(tenant: TenantHandle) -> str:
    return objects.product(tenant, "Bolt M8", sku="BOLT-M8", code="00-001", unit="pcs")


@pytest.fixture
def work_center(tenant: TenantHandle) -> str:
    return objects.work_center(tenant, "L1", capacity_per_shift=500, shifts_per_day=2)


def make_batch(api: TestClient, product: str, work_center: str, **fields: Any) -> dict[str, Any]:
    body = {
        "number": f"B-{uuid.uuid4().hex[:6]}",
        "product_id": product,
        "work_center_id": work_center,
        "planned_quantity": 100,
        "planned_start": "2026-11-05T06:00:00Z",
        **fields,
    }
    response = api.post("/api/v1/batches", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def move(api: TestClient, batch_id: str, to: str, **fields: Any) -> dict[str, Any]:
    response = api.post(f"/api/v1/batches/{batch_id}/transition", json={"to": to, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


def complete(
    api: TestClient, batch_id: str, at: str, produced: float, defective: float = 0
) -> dict[str, Any]:
    move(api, batch_id, "in_progress", at=at)
    return move(
        api, batch_id, "completed", at=at, produced_quantity=produced, defective_quantity=defective
    )


def run_now(api: TestClient, run_id: str) -> dict[str, Any]:
    """Work on a queued run in this process, as the Celery task would, and return it finished.

    A live server's worker from a browser test may share this process's queue and claim the
    run first; then this waits for that worker to finish it.
    """
    runner.execute(uuid.UUID(run_id))

    def finished() -> dict[str, Any] | None:
        run = dict(api.get(f"/api/v1/runs/{run_id}").json())
        return run if run["status"] not in ("queued", "running") else None

    return dict(wait_for(finished, timeout=60))
