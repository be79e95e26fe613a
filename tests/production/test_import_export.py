"""Batch import as a run (row errors, dry run, updates) and export of the filtered list."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.fixtures import objects
from tests.fixtures.app import TenantHandle
from tests.production.conftest import make_batch, move, run_now

CSV = """number;product;work_center;planned_quantity;planned_start;unit;notes
N-1;BOLT;L1;100;2026-11-05 08:00;;new
N-2;00-002;L1;12,5;05.11.2026;kg;
N-3;NO-SUCH;L1;5;2026-11-05;;
N-4;BOLT;L1;many;2026-11-05;;
N-5;BOLT;L1;5;yesterday;;
;BOLT;L1;5;2026-11-05;;
n-1;BOLT;L1;7;2026-11-05;;
OLD-1;BOLT;L1;999;2026-11-01 09:00;;replanned
OLD-2;BOLT;L1;10;2026-11-02 08:00;;
RUN-1;BOLT;L1;1;2026-11-03 08:00;;
"""


@pytest.fixture
def plant(make_tenant: Callable[..., TenantHandle]) -> TestClient:
    handle = make_tenant("Plant", timezone="Asia/Yekaterinburg")  # UTC+5
    api = handle.client
    bolt = objects.product(handle, "Bolt", sku="BOLT", unit="pcs")
    objects.product(handle, "Nut", code="00-002", unit="kg")
    line = objects.work_center(handle, "L1", capacity_per_shift=100)
    make_batch(api, bolt, line, number="OLD-1", planned_start="2026-11-01T04:00:00Z")
    make_batch(
        api, bolt, line, number="OLD-2", planned_start="2026-11-02T03:00:00Z", planned_quantity=10
    )
    running = make_batch(api, bolt, line, number="RUN-1", planned_start="2026-11-03T03:00:00Z")
    move(api, running["id"], "in_progress")
    return api


def upload(api: TestClient, name: str, content: bytes, dry_run: bool = False) -> dict[str, Any]:
    response = api.post(
        "/api/v1/batches/import",
        files={"file": (name, content)},
        data={"dry_run": str(dry_run).lower()},
    )
    assert response.status_code == 202, response.text
    return run_now(api, response.json()["id"])


def numbers(api: TestClient) -> list[str]:
    return sorted(b["number"] for b in api.get("/api/v1/batches").json()["items"])


def errors(api: TestClient, run_id: str) -> list[tuple[str, str, str]]:
    items = api.get(f"/api/v1/runs/{run_id}/errors").json()["items"]
    return [(e["external_id"], e["field"], e["reason"]) for e in items]


def test_a_dry_run_reports_what_would_change_and_writes_nothing(plant: TestClient) -> None:
    run = upload(plant, "plan.csv", CSV.encode(), dry_run=True)
    assert run["status"] == "completed_with_errors"
    step = run["steps"][0]
    assert step["name"] == "check rows"
    assert (
        step["total"],
        step["inserted"],
        step["updated"],
        step["unchanged"],
        step["errors"],
    ) == (
        10,
        2,
        1,
        1,
        6,
    )
    assert numbers(plant) == ["OLD-1", "OLD-2", "RUN-1"]
    log = plant.get("/api/v1/logs", params={"run_id": run["id"], "status": "dry_run"}).json()
    entry = log["items"][0]
    assert "2 batches would be created, 1 would be updated" in entry["message"]
    changes = entry["details"]["changes"]
    assert {
        "row": 9,
        "number": "OLD-1",
        "update": {"notes": [None, "replanned"], "planned_quantity": [100.0, 999.0]},
    } in changes


def test_the_import_loads_good_rows_and_lists_bad_ones(plant: TestClient) -> None:
    run = upload(plant, "plan.csv", CSV.encode())
    assert run["status"] == "completed_with_errors"
    assert errors(plant, run["id"]) == [
        ("row 4", "product", "product: no product with this SKU, code or name"),
        ("row 5", "planned_quantity", "planned_quantity: is not a number"),
        (
            "row 6",
            "planned_start",
            "planned_start: is not a date (YYYY-MM-DD [HH:MM] or DD.MM.YYYY [HH:MM])",
        ),
        ("row 7", "number", "number: is required"),
        ("row 8", "number", "number: repeats row 2"),
        ("row 11", "number", "number: batch is in_progress; only planned ones change"),
    ]
    assert numbers(plant) == ["N-1", "N-2", "OLD-1", "OLD-2", "RUN-1"]
    batches = {b["number"]: b for b in plant.get("/api/v1/batches").json()["items"]}
    assert batches["N-1"]["planned_start"] == "2026-11-05T03:00:00Z"  # 08:00 in Yekaterinburg
    assert (batches["N-2"]["planned_quantity"], batches["N-2"]["unit"]) == (12.5, "kg")
    assert batches["N-2"]["product_name"] == "Nut"
    assert batches["OLD-1"]["planned_quantity"] == 999
    created = plant.get(f"/api/v1/batches/{batches['N-1']['id']}").json()
    assert [h["to_status"] for h in created["history"]] == ["planned"]
    audit = plant.get("/api/v1/audit", params={"action": "batches.imported"}).json()["items"]
    assert audit[0]["changes"] == {"inserted": 2, "updated": 1, "rejected": 6}
    again = upload(plant, "plan.csv", CSV.encode())
    assert again["steps"][0]["unchanged"] == 4  # N-1, N-2, OLD-1, OLD-2 as loaded


def test_an_exported_list_imports_back_unchanged(plant: TestClient) -> None:
    exported = plant.get("/api/v1/batches", params={"format": "xlsx", "status": "planned"})
    assert exported.status_code == 200
    run = upload(plant, "batches.xlsx", exported.content, dry_run=True)
    step = run["steps"][0]
    assert (step["processed"], step["unchanged"], step["errors"]) == (2, 2, 0)


def test_csv_export_has_local_times_and_every_match(plant: TestClient) -> None:
    response = plant.get("/api/v1/batches", params={"format": "csv", "q": "old"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [(r["number"], r["planned_start"]) for r in rows] == [
        ("OLD-1", "2026-11-01 09:00:00"),
        ("OLD-2", "2026-11-02 08:00:00"),
    ]


def test_xlsx_export_opens(plant: TestClient) -> None:
    response = plant.get("/api/v1/batches", params={"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("number", "status", "product")
    assert sorted(r[0] for r in rows[1:]) == ["OLD-1", "OLD-2", "RUN-1"]


def test_unreadable_uploads(plant: TestClient) -> None:
    wrong = plant.post("/api/v1/batches/import", files={"file": ("plan.txt", b"x")})
    assert wrong.status_code == 422
    assert ".csv or .xlsx" in wrong.json()["detail"]
    run = upload(plant, "plan.csv", b"number,product\nN-1,BOLT\n")
    assert run["status"] == "failed"
    assert "missing columns work_center, planned_quantity, planned_start" in run["error"]
    broken = upload(plant, "plan.xlsx", b"not a zip")
    assert broken["status"] == "failed"
    assert "cannot be read" in broken["error"]
