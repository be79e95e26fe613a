"""Deny by default and tenant isolation, proven over every registered route."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update

from ihub.config import get_settings
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import ApiKey
from tests.fixtures.app import TenantHandle
from tests.fixtures.objects import OBJECT_FACTORIES, SAMPLE_BODIES

PUBLIC_API_PREFIXES = ("/api/v1/inbound/",)  # vendor webhooks verify their own signatures
PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = []
    for context in iter_route_contexts(app.routes):
        path = context.path_format or ""
        if path.startswith("/api/") and not path.startswith(PUBLIC_API_PREFIXES):
            routes.extend(
                (method, path) for method in sorted(context.methods or ()) if method != "HEAD"
            )
    return routes


def test_the_api_has_routes_to_check(app: FastAPI) -> None:
    assert len(api_routes(app)) > 20


def test_every_api_route_answers_401_without_credentials(
    anonymous: TestClient, app: FastAPI
) -> None:
    failures = []
    for method, path in api_routes(app):
        url = PARAM.sub(lambda _: str(uuid.uuid4()), path)
        response = anonymous.request(method, url, json={})
        if response.status_code != 401 or response.json().get("status") != 401:
            failures.append(f"{method} {path} -> {response.status_code}")
    assert failures == []


def test_a_revoked_or_unknown_key_is_401(anonymous: TestClient, tenant: TenantHandle) -> None:
    headers = {"Authorization": "Bearer ihub_not-a-key"}
    assert anonymous.get("/api/v1/runs", headers=headers).status_code == 401
    key = tenant.client.post("/api/v1/api-keys", json={"name": "temp"}).json()
    assert (
        anonymous.get("/api/v1/runs", headers={"Authorization": f"Bearer {key['key']}"}).status_code
        == 200
    )
    tenant.client.post(f"/api/v1/api-keys/{key['id']}/revoke")
    assert (
        anonymous.get("/api/v1/runs", headers={"Authorization": f"Bearer {key['key']}"}).status_code
        == 401
    )


def test_a_key_revoked_by_another_process_is_refused_once_the_auth_cache_lapses(
    anonymous: TestClient,
    tenant: TenantHandle,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "auth_cache_seconds", 1.0)
    key = tenant.client.post("/api/v1/api-keys", json={"name": "bi"}).json()
    headers = {"Authorization": f"Bearer {key['key']}"}
    assert anonymous.get("/api/v1/runs", headers=headers).status_code == 200
    with database.scope() as session:  # as `ihub apikey revoke` does from its own process
        session.execute(
            update(ApiKey).where(ApiKey.id == uuid.UUID(key["id"])).values(revoked_at=utcnow())
        )
    assert anonymous.get("/api/v1/runs", headers=headers).status_code == 200  # the window
    time.sleep(1.1)
    assert anonymous.get("/api/v1/runs", headers=headers).status_code == 401


def test_objects_of_another_tenant_are_not_found_on_every_object_route(
    app: FastAPI, make_tenant: Callable[..., TenantHandle]
) -> None:
    owner, stranger = make_tenant("Owner"), make_tenant("Stranger")
    object_routes = [(m, p) for m, p in api_routes(app) if PARAM.search(p)]
    missing = {
        name for _, p in object_routes for name in PARAM.findall(p)
    } - OBJECT_FACTORIES.keys()
    assert not missing, f"add factories for {sorted(missing)} to tests/fixtures/objects.py"
    ids = {name: factory(owner) for name, factory in OBJECT_FACTORIES.items()}

    failures = []
    for method, path in object_routes:
        url = PARAM.sub(lambda m: ids[m.group(1)], path)
        body = SAMPLE_BODIES.get((method, path), {})
        response = stranger.client.request(method, url, json=body if method != "GET" else None)
        if response.status_code != 404:
            failures.append(f"{method} {path} -> {response.status_code} {response.text[:120]}")
    assert failures == []

    for method, path in object_routes:  # and nothing of the owner's was touched
        if method == "GET" and path.count("{") == 1 and path.endswith("}"):
            url = PARAM.sub(lambda m: ids[m.group(1)], path)
            assert owner.client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"),
    [
        ("viewer", "GET", "/api/v1/runs", 200),
        ("viewer", "POST", "/api/v1/runs", 403),
        ("operator", "POST", "/api/v1/runs", 202),
        ("operator", "POST", "/api/v1/schedules", 403),
        ("operator", "GET", "/api/v1/api-keys", 403),
        ("admin", "GET", "/api/v1/audit", 200),
    ],
)
def test_roles_limit_what_a_key_may_do(
    tenant: TenantHandle, anonymous: TestClient, role: str, method: str, path: str, expected: int
) -> None:
    key = tenant.client.post("/api/v1/api-keys", json={"name": role, "role": role}).json()["key"]
    body = {"kind": "demo.counter", "params": {"count": 1}} if path.endswith("runs") else {}
    response = anonymous.request(
        method, path, json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == expected, response.text
