"""The demo plant: a few thousand batches over recent weeks, seeded once per tenant."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from ihub.config import get_settings
from ihub.db import Database
from ihub.production import demo
from tests.fixtures.app import TenantHandle


def test_the_demo_plant_is_seeded_once(
    database: Database, tenant: TenantHandle, api: TestClient
) -> None:
    for _ in range(2):
        with database.scope() as session:
            demo.seed(session, uuid.UUID(tenant.tenant_id), get_settings())
    assert api.get("/api/v1/work-centers").json()["total"] == len(demo.WORK_CENTERS)
    beyond_2000 = api.get("/api/v1/batches", params={"page_size": 50, "page": 41}).json()
    assert beyond_2000["items"]
    for status in ("completed", "in_progress", "planned", "cancelled"):
        assert api.get("/api/v1/batches", params={"status": status}).json()["total"] > 0
    dashboard = api.get("/api/v1/analytics/dashboard").json()
    assert dashboard["last_30_days"]["batches"] > 1000
    assert 0 < dashboard["last_30_days"]["defect_rate_pct"] < 6
    first = api.get("/api/v1/batches", params={"status": "completed"}).json()["items"][0]
    history = api.get(f"/api/v1/batches/{first['id']}").json()["history"]
    assert [h["to_status"] for h in history] == ["planned", "in_progress", "completed"]
