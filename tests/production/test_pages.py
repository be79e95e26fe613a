"""Production pages render for a signed-in user, forms work with the CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.fixtures.app import TenantHandle
from tests.production.conftest import complete, make_batch
from tests.ui.test_pages import csrf_of, sign_in


@pytest.fixture
def client(app: FastAPI, tenant: TenantHandle, product: str, work_center: str) -> TestClient:
    api = tenant.client
    done = make_batch(api, product, work_center, number="P-1")
    complete(api, done["id"], "2026-11-05T10:00:00Z", 90, 3)
    make_batch(api, product, work_center, number="P-2")
    return sign_in(app, tenant)


@pytest.mark.parametrize(
    "path",
    [
        "/production",
        "/batches",
        "/batches?status=planned&q=p-&work_center_id=&product_id=&planned_from=2026-11-01"
        "&planned_to=2026-11-30&sort=number",
        "/work-centers",
        "/reports",
        "/batch-import",
    ],
)
def test_page_renders(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert "<h1>" in response.text


def test_the_dashboard_draws_its_charts(client: TestClient) -> None:
    page = client.get("/production").text
    assert page.count('<svg class="chart"') == 3
    assert 'data-testid="active-batches"' in page


def test_a_bad_filter_is_explained_not_a_500(client: TestClient) -> None:
    response = client.get("/batches?planned_from=yesterday")
    assert response.status_code == 200
    assert "alert-error" in response.text


def test_create_a_batch_and_move_it_inline(
    client: TestClient, product: str, work_center: str
) -> None:
    token = csrf_of(client)
    created = client.post(
        "/batches",
        data={
            "csrf_token": token,
            "number": "ui-1",
            "product_id": product,
            "work_center_id": work_center,
            "planned_quantity": "50",
            "planned_start": "2026-11-06T08:00",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    batch_url = created.headers["location"]
    page = client.get(batch_url).text
    assert "UI-1" in page
    assert "2026-11-06 08:00" in page  # shown in the tenant's time, as entered
    batch_id = batch_url.rsplit("/", 1)[1]
    row = client.post(
        f"/batches/{batch_id}/transition",
        data={"to": "in_progress"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert row.status_code == 200
    assert row.text.lstrip().startswith(f'<tr id="batch-{batch_id}"')
    assert 'data-status="in_progress"' in row.text
    refused = client.post(
        f"/batches/{batch_id}/transition",
        data={"to": "planned"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert "alert-error" in refused.text


def test_form_errors_keep_the_input(client: TestClient, product: str, work_center: str) -> None:
    response = client.post(
        "/batches",
        data={
            "csrf_token": csrf_of(client),
            "number": "P-1",
            "product_id": product,
            "work_center_id": work_center,
            "planned_quantity": "5",
            "planned_start": "2026-11-06T08:00",
        },
    )
    assert response.status_code == 422
    assert "already used" in response.text
    assert re.search(r'name="number" value="P-1"', response.text)


def test_work_centers_and_reports_forms(client: TestClient) -> None:
    token = csrf_of(client)
    saved = client.post(
        "/work-centers",
        data={
            "csrf_token": token,
            "code": "PK",
            "name": "Packing",
            "kind": "cell",
            "capacity_per_shift": "12,5",
            "active": "true",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "12.5" in client.get("/work-centers").text
    requested = client.post(
        "/reports",
        data={
            "csrf_token": token,
            "kind": "output_by_product",
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
            "format": "csv",
        },
        follow_redirects=False,
    )
    assert requested.status_code == 303
    assert "Output by product" in client.get("/reports").text


def test_import_upload_shows_the_run(client: TestClient) -> None:
    response = client.post(
        "/batch-import",
        data={"csrf_token": csrf_of(client), "dry_run": "true"},
        files={
            "file": ("plan.csv", b"number,product,work_center,planned_quantity,planned_start\n")
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert 'id="import-run"' in page.text
    wrong = client.post(
        "/batch-import",
        data={"csrf_token": csrf_of(client)},
        files={"file": ("plan.pdf", b"%PDF")},
    )
    assert wrong.status_code == 422
    assert ".csv or .xlsx" in wrong.text
