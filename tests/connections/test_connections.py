"""Connections API: secrets at rest, validation, the real test, audit, tenancy."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from ihub.db import Database
from ihub.models import AuditLog, Connection
from tests.fixtures.app import TenantHandle
from tests.fixtures.onec import OneCSandbox

Start = Callable[..., OneCSandbox]
BODY: dict[str, Any] = {
    "kind": "onec_odata",
    "name": "Main 1C",
    "settings": {"base_url": "https://erp.example/ut11", "username": "Администратор"},
    "secrets": {"password": "сек рет"},
}


def create(api: TestClient, **changes: Any) -> dict[str, Any]:
    response = api.post("/api/v1/connections", json={**BODY, **changes})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_shows_settings_and_which_secrets_are_set(
    api: TestClient, database: Database
) -> None:
    created = create(api)
    assert created["secrets"] == {"password": True}
    assert created["settings"]["base_url"] == "https://erp.example/ut11"
    assert created["settings"]["page_size"] == 500  # defaults filled in
    assert created["status"] == "untested"
    assert "сек рет" not in json.dumps(api.get(f"/api/v1/connections/{created['id']}").json())
    with database.scope() as session:
        stored = session.scalars(select(Connection)).one()
        assert stored.secrets["password"].startswith("v1:")
        assert "сек рет" not in json.dumps(stored.secrets, ensure_ascii=False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "sap"}, None),
        ({"settings": {"username": "x"}}, "settings.base_url"),
        ({"settings": {**BODY["settings"], "base_url": "ftp://x"}}, "settings.base_url"),
        ({"settings": {**BODY["settings"], "rate_limit": "lots"}}, "settings.rate_limit"),
        ({"settings": {**BODY["settings"], "colour": "red"}}, "settings.colour"),
        ({"secrets": {}}, "secrets.password"),
    ],
)
def test_bad_input_is_a_clear_422(
    api: TestClient, changes: dict[str, Any], field: str | None
) -> None:
    response = api.post("/api/v1/connections", json={**BODY, **changes})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field:
        assert field in {e["field"] for e in response.json()["errors"]}
    assert api.get("/api/v1/connections").json()["total"] == 0


def test_names_are_unique_per_tenant(
    api: TestClient, make_tenant: Callable[..., TenantHandle]
) -> None:
    create(api)
    assert api.post("/api/v1/connections", json=BODY).status_code == 409
    assert make_tenant("Other").client.post("/api/v1/connections", json=BODY).status_code == 201


def test_update_merges_settings_replaces_secrets_and_asks_for_a_new_test(
    api: TestClient, onec_sandbox: Start
) -> None:
    sandbox = onec_sandbox()
    connection = create(api, **sandbox.connection_body())
    assert api.post(f"/api/v1/connections/{connection['id']}/test").json()["ok"] is True
    response = api.patch(
        f"/api/v1/connections/{connection['id']}",
        json={"settings": {"page_size": 100}, "secrets": {"password": "неверный"}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["settings"]["page_size"] == 100
    assert updated["settings"]["base_url"] == sandbox.base_url
    assert updated["status"] == "untested"
    tested = api.post(f"/api/v1/connections/{connection['id']}/test").json()
    assert tested["ok"] is False
    assert "rejected the login «Администратор»" in tested["message"]
    assert api.get(f"/api/v1/connections/{connection['id']}").json()["status"] == "needs_attention"


def test_the_test_reports_every_object_and_records_the_verdict(
    api: TestClient, onec_sandbox: Start
) -> None:
    sandbox = onec_sandbox(published=["Catalog_Организации", "Catalog_Контрагенты"])
    connection = create(api, **sandbox.connection_body())
    result = api.post(f"/api/v1/connections/{connection['id']}/test").json()
    assert result["ok"] is False
    assert result["status"] == "needs_attention"
    assert result["message"].startswith("Catalog_Номенклатура is not published")
    assert [s["ok"] for s in result["steps"]] == [True, True, False, False, False]
    stored = api.get(f"/api/v1/connections/{connection['id']}").json()
    assert stored["last_error"] == result["message"]
    assert stored["last_checked_at"] is not None


def test_a_wrong_url_is_explained(api: TestClient, onec_sandbox: Start) -> None:
    sandbox = onec_sandbox()
    body = sandbox.connection_body(base_url=f"{sandbox.url}/wrong")
    connection = create(api, **body)
    result = api.post(f"/api/v1/connections/{connection['id']}/test").json()
    assert result["message"].startswith("Nothing at")
    assert len(result["steps"]) == 1


def test_every_change_is_audited_without_secrets(api: TestClient, database: Database) -> None:
    connection = create(api)
    api.patch(f"/api/v1/connections/{connection['id']}", json={"secrets": {"password": "новый"}})
    assert api.delete(f"/api/v1/connections/{connection['id']}").status_code == 204
    with database.scope() as session:
        entries = session.scalars(select(AuditLog).order_by(AuditLog.created_at)).all()
        actions = [e.action for e in entries if e.object_type == "connection"]
        text = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert actions == ["connection.created", "connection.updated", "connection.deleted"]
    assert "сек рет" not in text
    assert "новый" not in text


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(
    api: TestClient, database: Database, onec_sandbox: Start
) -> None:
    sandbox = onec_sandbox()
    first = create(api, **sandbox.connection_body("first"))
    second = create(api, **sandbox.connection_body("second"))
    with database.scope() as session:
        stolen = session.get(Connection, uuid.UUID(first["id"]))
        assert stolen is not None
        session.execute(
            update(Connection)
            .where(Connection.id == uuid.UUID(second["id"]))
            .values(secrets=stolen.secrets)
        )
    response = api.post(f"/api/v1/connections/{second['id']}/test")
    assert response.status_code == 422
    assert "cannot be decrypted" in response.json()["detail"]


def test_runs_only_take_connections_of_their_own_tenant(
    api: TestClient, make_tenant: Callable[..., TenantHandle]
) -> None:
    foreign = create(make_tenant("Other").client)
    response = api.post(
        "/api/v1/runs",
        json={"kind": "demo.counter", "params": {"count": 1}, "connection_id": foreign["id"]},
    )
    assert response.status_code == 404
    own = create(api)
    response = api.post(
        "/api/v1/runs",
        json={"kind": "demo.counter", "params": {"count": 1}, "connection_id": own["id"]},
    )
    assert response.status_code == 202


def test_a_connection_in_use_cannot_be_deleted(api: TestClient) -> None:
    connection = create(api)
    api.post(
        "/api/v1/runs",
        json={"kind": "demo.counter", "params": {"count": 1}, "connection_id": connection["id"]},
    )
    response = api.delete(f"/api/v1/connections/{connection['id']}")
    assert response.status_code == 409
    assert "run is using" in response.json()["detail"]


def test_kinds_describe_their_forms(api: TestClient) -> None:
    kinds = {k["name"]: k for k in api.get("/api/v1/connections/kinds").json()}
    onec = kinds["onec_odata"]
    assert onec["secret_fields"] == ["password"]
    assert onec["settings_schema"]["properties"]["base_url"]["title"] == "Base URL"
    assert set(onec["settings_schema"]["required"]) == {"base_url", "username"}


def test_viewers_cannot_create_and_operators_may_test(
    tenant: TenantHandle, anonymous: TestClient, onec_sandbox: Start
) -> None:
    sandbox = onec_sandbox()
    connection = create(tenant.client, **sandbox.connection_body())

    def client(role: str) -> dict[str, str]:
        key = tenant.client.post("/api/v1/api-keys", json={"name": role, "role": role}).json()
        return {"Authorization": f"Bearer {key['key']}"}

    viewer, operator = client("viewer"), client("operator")
    assert anonymous.post("/api/v1/connections", json=BODY, headers=viewer).status_code == 403
    assert anonymous.post("/api/v1/connections", json=BODY, headers=operator).status_code == 403
    test_url = f"/api/v1/connections/{connection['id']}/test"
    assert anonymous.post(test_url, headers=viewer).status_code == 403
    assert anonymous.post(test_url, headers=operator).status_code == 200
