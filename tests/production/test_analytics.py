"""Analytics in the tenant's timezone: day edges, DST, ISO weeks, empty periods as zeros."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from ihub.db import Database
from ihub.models import Batch
from ihub.production import cache
from tests.fixtures import objects
from tests.fixtures.app import TenantHandle
from tests.production.conftest import complete, make_batch, move

PLANT_TZ = "Europe/Moscow"


def plant(make_tenant: Callable[..., TenantHandle], timezone: str) -> tuple[TestClient, str, str]:
    handle = make_tenant("Plant", timezone=timezone)
    product = objects.product(handle, "Bolt", sku="BOLT", unit="pcs")
    return handle.client, product, objects.work_center(handle, "L1", capacity_per_shift=100)


def output(api: TestClient, **params: Any) -> dict[str, Any]:
    response = api.get("/api/v1/analytics/output", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def by_key(series: dict[str, Any], field: str = "batches") -> dict[str, Any]:
    return {item["key"]: item["output"][field] for item in series["items"]}


def test_days_are_the_tenants_local_days_and_empty_days_are_zero(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    api, product, wc = plant(make_tenant, "Asia/Vladivostok")  # UTC+10, no DST
    for at, produced in [
        ("2026-11-04T13:59:00Z", 10),  # 23:59 on the 4th there
        ("2026-11-04T14:00:00Z", 20),  # 00:00 on the 5th there
        ("2026-11-07T10:00:00Z", 30),
    ]:
        complete(api, make_batch(api, product, wc)["id"], at, produced, defective=1)
    move(api, make_batch(api, product, wc)["id"], "in_progress")  # not output yet
    series = output(api, group_by="day", date_from="2026-11-04", date_to="2026-11-07")
    assert by_key(series) == {"2026-11-04": 1, "2026-11-05": 1, "2026-11-06": 0, "2026-11-07": 1}
    assert by_key(series, "produced") == {
        "2026-11-04": 10,
        "2026-11-05": 20,
        "2026-11-06": 0,
        "2026-11-07": 30,
    }
    assert series["items"][2]["output"]["defect_rate_pct"] is None
    assert series["total"] == {
        "batches": 3,
        "produced": 60,
        "defective": 3,
        "good": 57,
        "defect_rate_pct": 5.0,
    }
    assert series["period"]["timezone"] == "Asia/Vladivostok"


def test_a_day_with_a_daylight_saving_change_has_25_hours(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    api, product, wc = plant(make_tenant, "Europe/Berlin")  # CEST → CET on 2026-10-25
    for at in ("2026-10-24T22:30:00Z", "2026-10-25T22:30:00Z"):  # 00:30 and 23:30 local
        complete(api, make_batch(api, product, wc)["id"], at, 5)
    series = output(api, group_by="day", date_from="2026-10-24", date_to="2026-10-26")
    assert by_key(series) == {"2026-10-24": 0, "2026-10-25": 2, "2026-10-26": 0}


def test_weeks_are_iso_weeks_clipped_to_the_period(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    api, product, wc = plant(make_tenant, PLANT_TZ)
    for at in ("2026-10-31T12:00:00Z", "2026-11-01T12:00:00Z", "2026-11-10T12:00:00Z"):
        complete(api, make_batch(api, product, wc)["id"], at, 7)
    series = output(api, group_by="week", date_from="2026-11-01", date_to="2026-11-16")
    assert [(i["key"], i["label"]) for i in series["items"]] == [
        ("2026-10-26", "2026-W44"),
        ("2026-11-02", "2026-W45"),
        ("2026-11-09", "2026-W46"),
        ("2026-11-16", "2026-W47"),
    ]
    assert by_key(series) == {"2026-10-26": 1, "2026-11-02": 0, "2026-11-09": 1, "2026-11-16": 0}


def test_output_per_product_and_a_products_own_output(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    handle = make_tenant("Plant", timezone=PLANT_TZ)
    api, wc = handle.client, objects.work_center(handle, "L1", capacity_per_shift=100)
    bolt, nut = objects.product(handle, "Bolt"), objects.product(handle, "Nut", unit="kg")
    complete(api, make_batch(api, bolt, wc)["id"], "2026-11-03T10:00:00Z", 100, 4)
    complete(api, make_batch(api, bolt, wc)["id"], "2026-11-04T10:00:00Z", 50, 1)
    complete(api, make_batch(api, nut, wc)["id"], "2026-11-04T10:00:00Z", 300)
    complete(api, make_batch(api, nut, wc)["id"], "2026-12-04T10:00:00Z", 999)  # outside
    series = output(api, group_by="product", date_from="2026-11-01", date_to="2026-11-30")
    assert [(i["label"], i["output"]["produced"]) for i in series["items"]] == [
        ("Nut", 300),
        ("Bolt", 150),
    ]
    mine = api.get(
        f"/api/v1/products/{bolt}/output",
        params={"date_from": "2026-11-01", "date_to": "2026-11-30"},
    ).json()
    assert mine["output"] == {
        "batches": 2,
        "produced": 150,
        "defective": 5,
        "good": 145,
        "defect_rate_pct": 3.33,
    }
    assert mine["name"] == "Bolt"


def test_work_center_load_against_capacity(make_tenant: Callable[..., TenantHandle]) -> None:
    api, product, wc = plant(make_tenant, PLANT_TZ)  # 100 per shift, one shift a day
    idle = api.post(
        "/api/v1/work-centers", json={"code": "L2", "name": "Idle", "capacity_per_shift": 50}
    ).json()
    make_batch(api, product, wc, planned_quantity=300, planned_start="2026-11-02T06:00:00Z")
    done = make_batch(api, product, wc, planned_quantity=200, planned_start="2026-11-03T06:00:00Z")
    complete(api, done["id"], "2026-11-03T12:00:00Z", 180, 9)
    cancelled = make_batch(api, product, wc, planned_quantity=900)
    move(api, cancelled["id"], "cancelled")
    result = api.get(
        "/api/v1/analytics/work-centers",
        params={"date_from": "2026-11-01", "date_to": "2026-11-10"},
    ).json()
    rows = {item["code"]: item for item in result["items"]}
    assert rows["L1"]["capacity"] == 1000
    assert rows["L1"]["planned_quantity"] == 500
    assert rows["L1"]["load_pct"] == 50
    assert rows["L1"]["utilization_pct"] == 18
    assert rows["L1"]["output"]["defect_rate_pct"] == 5
    assert rows["L2"]["work_center_id"] == idle["id"]
    assert (rows["L2"]["load_pct"], rows["L2"]["output"]["batches"]) == (0, 0)


def test_the_dashboard_follows_batches(make_tenant: Callable[..., TenantHandle]) -> None:
    api, product, wc = plant(make_tenant, PLANT_TZ)
    before = api.get("/api/v1/analytics/dashboard").json()
    assert (before["active_batches"], before["today"]["batches"]) == (0, 0)
    running = make_batch(api, product, wc)
    move(api, running["id"], "in_progress")
    finished = make_batch(api, product, wc)
    move(api, finished["id"], "in_progress")
    move(api, finished["id"], "completed", produced_quantity=40, defective_quantity=2)
    after = api.get("/api/v1/analytics/dashboard").json()
    assert after["active_batches"] == 1
    assert after["planned_batches"] == 0
    for period in ("today", "this_week", "last_30_days"):
        assert after[period]["batches"] == 1
        assert after[period]["produced"] == 40
        assert after[period]["defect_rate_pct"] == 5


def test_periods_are_checked(api: TestClient) -> None:
    wrong = api.get(
        "/api/v1/analytics/output", params={"date_from": "2026-11-10", "date_to": "2026-11-01"}
    )
    assert wrong.status_code == 422
    long = api.get(
        "/api/v1/analytics/output", params={"date_from": "2024-01-01", "date_to": "2026-11-01"}
    )
    assert long.status_code == 422
    assert "366" in long.json()["detail"]
    assert api.get("/api/v1/analytics/output", params={"group_by": "hour"}).status_code == 422
    default = api.get("/api/v1/analytics/output").json()
    assert len(default["items"]) == 30


def test_cached_figures_follow_a_change_made_elsewhere(
    make_tenant: Callable[..., TenantHandle], database: Database
) -> None:
    """Another process (a worker) changes a batch: the next request sees it, not the cache."""
    handle = make_tenant("Plant", timezone=PLANT_TZ)
    api, wc = handle.client, objects.work_center(handle, "L1", capacity_per_shift=100)
    batch = make_batch(api, objects.product(handle, "Bolt"), wc)
    complete(api, batch["id"], "2026-11-03T10:00:00Z", 100)
    params = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
    assert output(api, **params)["total"]["produced"] == 100
    assert output(api, **params)["total"]["produced"] == 100  # now from the cache
    with database.scope() as session:
        row = session.get(Batch, uuid.UUID(batch["id"]))
        assert row is not None
        row.produced_quantity = 150
        cache.changed(session, row.tenant_id)
    assert output(api, **params)["total"]["produced"] == 150


def test_a_missing_figure_is_computed_once_for_many_waiting_requests(
    make_tenant: Callable[..., TenantHandle], database: Database
) -> None:
    tenant_id = uuid.UUID(make_tenant("Plant").tenant_id)
    computed: list[int] = []

    def compute() -> int:
        computed.append(1)
        time.sleep(0.2)  # long enough for every other thread to ask meanwhile
        return 42

    def ask(_: int) -> int:
        with database.scope(write=False) as session:
            return cache.cached(session, tenant_id, "slow figure", compute)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(ask, range(8))) == [42] * 8
    assert len(computed) == 1


def test_a_new_time_zone_applies_to_the_next_request(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    api, product, wc = plant(make_tenant, "UTC")
    complete(api, make_batch(api, product, wc)["id"], "2026-11-04T22:30:00Z", 10)
    days = {"group_by": "day", "date_from": "2026-11-04", "date_to": "2026-11-05"}
    assert by_key(output(api, **days)) == {"2026-11-04": 1, "2026-11-05": 0}
    api.patch("/api/v1/tenant", json={"timezone": "Asia/Vladivostok"}).raise_for_status()
    series = output(api, **days)
    assert series["period"]["timezone"] == "Asia/Vladivostok"
    assert by_key(series) == {"2026-11-04": 0, "2026-11-05": 1}  # 08:30 on the 5th there
