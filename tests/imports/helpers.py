from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from ihub.runs import runner
from tests.fixtures.onec import OneCSandbox


def connect(api: TestClient, sandbox: OneCSandbox, name: str = "1C", **settings: Any) -> str:
    response = api.post("/api/v1/connections", json=sandbox.connection_body(name, **settings))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def start(api: TestClient, connection_id: str, **body: Any) -> str:
    response = api.post("/api/v1/imports", json={"connection_id": connection_id, **body})
    assert response.status_code == 202, response.text
    return str(response.json()["session_id"])


def run_import(api: TestClient, connection_id: str, **body: Any) -> dict[str, Any]:
    """Start an import and work on it in this process, as a worker would; its final document."""
    import_id = start(api, connection_id, **body)
    runner.execute(uuid.UUID(import_id))
    return progress(api, import_id)


def progress(api: TestClient, import_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/imports/{import_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["aggregate_name"]: a for a in document["aggregates"]}


def products_processed(api: TestClient, import_id: str) -> int:
    """How far the products step got (0 while the run has not declared its steps yet)."""
    step = by_name(progress(api, import_id)).get("products")
    return int(step["processed"]) if step else 0
