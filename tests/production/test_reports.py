"""Reports as runs: the file lands in file storage and opens with the right numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ihub.files.storage import S3Storage
from tests.fixtures import objects
from tests.fixtures.app import TenantHandle
from tests.production.conftest import complete, make_batch, run_now

PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.fixture
def plant(make_tenant: Callable[..., TenantHandle]) -> TestClient:
    """November in Moscow: two products on two lines, some batches finished, one late."""
    handle = make_tenant("Plant", timezone="Europe/Moscow")
    api = handle.client
    bolt = objects.product(handle, "Bolt", sku="BOLT", unit="pcs")
    nut = objects.product(handle, "Nut", code="00-002", unit="kg")
    l1 = objects.work_center(handle, "L1", capacity_per_shift=100)
    l2 = objects.work_center(handle, "L2", capacity_per_shift=50, shifts_per_day=2)
    one = make_batch(api, bolt, l1, number="N-1", planned_start="2026-11-02T05:00:00Z")
    complete(api, one["id"], "2026-11-02T12:00:00Z", 100, 4)
    two = make_batch(api, nut, l2, number="N-2", planned_start="2026-11-03T05:00:00Z")
    complete(api, two["id"], "2026-11-03T12:00:00Z", 250.5, 0.5)
    make_batch(api, bolt, l1, number="N-3", planned_start="2026-11-29T21:30:00Z")  # 30th, local
    make_batch(api, bolt, l1, number="D-1", planned_start="2026-12-01T06:00:00Z")  # December
    return api


def report(api: TestClient, kind: str, fmt: str = "xlsx") -> dict[str, Any]:
    created = api.post("/api/v1/reports", json={"kind": kind, "format": fmt, **PERIOD})
    assert created.status_code == 202, created.text
    assert created.json()["status"] == "queued"
    assert created.json()["download_url"] is None
    run = run_now(api, created.json()["run_id"])
    assert run["status"] == "completed", run
    return dict(api.get(f"/api/v1/reports/{created.json()['id']}").json())


def download(anonymous: TestClient, url: str) -> bytes:
    assert url.startswith("http://testserver/files/")
    response = anonymous.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    return response.content


def sheet(content: bytes) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_batch_register_xlsx_opens_with_the_right_numbers(
    plant: TestClient, anonymous: TestClient
) -> None:
    done = report(plant, "batch_register")
    assert done["status"] == "completed"
    assert done["rows"] == 3
    assert done["filename"] == "batch_register_2026-11-01_2026-11-30.xlsx"
    rows = sheet(download(anonymous, done["download_url"]))
    header, body = rows[0], rows[1:]
    records = [dict(zip(header, row, strict=False)) for row in body]  # empty cells trail off
    assert [r["number"] for r in records] == ["N-1", "N-2", "N-3"]
    first = records[0]
    assert (first["status"], first["product"], first["work_center"]) == ("completed", "BOLT", "L1")
    assert (first["produced_quantity"], first["defective_quantity"]) == (100, 4)
    assert (first["good_quantity"], first["yield_pct"]) == (96, 96)
    assert str(first["actual_finish"]) == "2026-11-02 15:00:00"  # Moscow time
    assert records[1]["product"] == "00-002"
    assert records[1]["produced_quantity"] == 250.5
    assert str(records[2]["planned_start"]) == "2026-11-30 00:30:00"


def test_output_by_product_and_work_center_load(plant: TestClient, anonymous: TestClient) -> None:
    products = sheet(download(anonymous, report(plant, "output_by_product")["download_url"]))
    assert products[0] == (
        "product",
        "product_name",
        "unit",
        "batches",
        "produced",
        "defective",
        "good",
        "defect_rate_pct",
    )
    assert products[1:] == [
        ("00-002", "Nut", "kg", 1, 250.5, 0.5, 250, 0.2),
        ("BOLT", "Bolt", "pcs", 1, 100, 4, 96, 4),
    ]
    load = sheet(download(anonymous, report(plant, "work_center_load")["download_url"]))
    rows = {row[0]: dict(zip(load[0], row, strict=False)) for row in load[1:]}
    assert rows["L1"]["capacity"] == 3000
    assert rows["L1"]["planned_quantity"] == 200
    assert rows["L2"]["capacity"] == 3000
    assert rows["L2"]["produced"] == 250.5


def test_csv_reports_and_the_report_list(plant: TestClient, anonymous: TestClient) -> None:
    done = report(plant, "output_by_product", "csv")
    text = download(anonymous, done["download_url"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["product_name"], r["produced"]) for r in rows] == [
        ("Nut", "250.5"),
        ("Bolt", "100"),
    ]
    listed = plant.get("/api/v1/reports").json()
    assert listed["total"] == 1
    assert listed["items"][0]["download_url"]


def test_reports_can_be_written_to_s3(
    plant: TestClient, anonymous: TestClient, s3_storage: S3Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ihub.files.service.get_storage", lambda: s3_storage)
    done = report(plant, "batch_register")
    stored = s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket)["Contents"]
    assert len(stored) == 1
    assert stored[0]["Key"].startswith("reports/")
    assert stored[0]["Key"].endswith(done["download_url"].split("/files/")[1].split("?")[0])
    assert len(sheet(download(anonymous, done["download_url"]))) == 4


def test_bad_report_requests(api: TestClient) -> None:
    assert (
        api.post(
            "/api/v1/reports", json={"kind": "payroll", "date_from": "2026-11-01", "date_to": "x"}
        ).status_code
        == 422
    )
    backwards = api.post(
        "/api/v1/reports",
        json={"kind": "batch_register", "date_from": "2026-11-30", "date_to": "2026-11-01"},
    )
    assert backwards.status_code == 422
