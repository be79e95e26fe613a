"""Every UI page renders for a signed-in user; forms need the session's CSRF token."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.fixtures.app import TenantHandle


def sign_in(
    app: FastAPI, handle: TenantHandle, email: str | None = None, password: str | None = None
) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={
            "email": email or handle.admin_email,
            "password": password or handle.admin_password,
            "csrf_token": token,
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/runs",
        "/logs",
        "/schedules",
        "/api-keys",
        "/audit",
        "/connections",
        "/connections/new?kind=onec_odata",
        "/imports",
        "/catalog/organizations?q=&valid=false&deletion_mark=",
        "/catalog/counterparties",
        "/catalog/products?valid=",
        "/catalog/warehouses",
        "/catalog/stock?warehouse_id=&in_stock=true",
        "/runs?status=&kind=",
        "/logs?level=&since=&run_id=&refresh=5",
    ],
)
def test_page_renders(app: FastAPI, tenant: TenantHandle, path: str) -> None:
    client = sign_in(app, tenant)
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert "<h1>" in response.text


def test_run_page_renders_with_errors_and_logs(app: FastAPI, tenant: TenantHandle) -> None:
    run = tenant.client.post(
        "/api/v1/runs", json={"kind": "demo.counter", "params": {"count": 1}}
    ).json()
    client = sign_in(app, tenant)
    page = client.get(f"/runs/{run['id']}")
    assert page.status_code == 200
    assert f'data-run-id="{run["id"]}"' in page.text


def test_pages_redirect_to_login_without_a_session(anonymous: TestClient) -> None:
    response = anonymous.get("/runs?status=failed", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fruns%3Fstatus%3Dfailed"


def test_htmx_requests_get_a_redirect_header(anonymous: TestClient) -> None:
    response = anonymous.get(
        "/runs?partial=1", headers={"HX-Request": "true"}, follow_redirects=False
    )
    assert response.status_code == 401
    assert response.headers["hx-redirect"].startswith("/login")


def test_form_posts_without_the_csrf_token_are_refused(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    refused = client.post(
        "/runs", data={"kind": "demo.counter", "params": "{}"}, follow_redirects=False
    )
    assert refused.status_code == 403
    accepted = client.post(
        "/runs",
        data={"kind": "demo.counter", "params": "{}", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert accepted.status_code == 303


def test_session_cookie_works_for_the_api_with_the_csrf_header(
    app: FastAPI, tenant: TenantHandle
) -> None:
    client = sign_in(app, tenant)
    assert client.get("/api/v1/runs").status_code == 200
    body = {"kind": "demo.counter", "params": {"count": 1}}
    assert client.post("/api/v1/runs", json=body).status_code == 403
    assert (
        client.post(
            "/api/v1/runs", json=body, headers={"X-CSRF-Token": csrf_of(client)}
        ).status_code
        == 202
    )


def test_bad_run_parameters_are_explained(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    response = client.post(
        "/runs",
        data={"kind": "demo.counter", "params": '{"count": "many"}', "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 422
    assert "count" in response.text


def test_login_is_rate_limited(app: FastAPI, tenant: TenantHandle) -> None:
    email = f"nobody-{uuid.uuid4().hex[:6]}@x.example"
    statuses = []
    client = TestClient(app)
    for _ in range(12):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        response = client.post(
            "/login", data={"email": email, "password": "wrong-password", "csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert "Too many attempts" in response.text


def test_logout_ends_the_session(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert client.get("/api/v1/runs").status_code == 401


def test_russian_labels(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    client.get("/lang/ru")
    assert "Запуски" in client.get("/runs").text
