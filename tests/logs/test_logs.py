from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.logs import service as logs
from ihub.models import IntegrationLog
from tests.fixtures.app import TenantHandle


@pytest.fixture
def entries(tenant: TenantHandle, database: Database) -> uuid.UUID:
    run_id = uuid.uuid4()
    tenant_id = uuid.UUID(tenant.tenant_id)
    with database.scope() as session:
        logs.write(
            session,
            tenant_id,
            system="onec",
            step="products",
            status="ok",
            message="Загружено 100 товаров",
            run_id=run_id,
            details={"page": 1},
        )
        logs.write(
            session,
            tenant_id,
            system="onec",
            step="products",
            status="failed",
            level="error",
            message="HTTP 503 from 1C",
            run_id=run_id,
            payload={"body": "x"},
        )
        logs.write(
            session, tenant_id, system="allegro", step="orders", status="ok", message="5 orders"
        )
        old = logs.write(session, tenant_id, system="ihub", step="run", status="ok", message="old")
        old.created_at = utcnow() - timedelta(days=3)
    return run_id


def messages(response_json: dict[str, object]) -> list[str]:
    return [item["message"] for item in response_json["items"]]  # type: ignore[index,union-attr]


class TestFilters:
    def test_each_filter(self, api: TestClient, entries: uuid.UUID) -> None:
        assert messages(api.get("/api/v1/logs", params={"level": "error"}).json()) == [
            "HTTP 503 from 1C"
        ]
        assert len(messages(api.get("/api/v1/logs", params={"system": "onec"}).json())) == 2
        assert messages(api.get("/api/v1/logs", params={"step": "orders"}).json()) == ["5 orders"]
        assert messages(api.get("/api/v1/logs", params={"status": "failed"}).json()) == [
            "HTTP 503 from 1C"
        ]
        assert len(messages(api.get("/api/v1/logs", params={"run_id": str(entries)}).json())) == 2
        assert messages(api.get("/api/v1/logs", params={"q": "товаров"}).json()) == [
            "Загружено 100 товаров"
        ]
        since = (utcnow() - timedelta(days=1)).isoformat()
        assert "old" not in messages(api.get("/api/v1/logs", params={"since": since}).json())
        until = (utcnow() - timedelta(days=1)).isoformat()
        assert messages(api.get("/api/v1/logs", params={"until": until}).json()) == ["old"]

    def test_form_style_empty_values_mean_no_filter(
        self, api: TestClient, entries: uuid.UUID
    ) -> None:
        params = {"since": "", "until": "", "level": "", "run_id": "", "q": ""}
        assert api.get("/api/v1/logs", params=params).json()["total"] == 4

    def test_naive_times_are_utc(self, api: TestClient, entries: uuid.UUID) -> None:
        until = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        assert messages(api.get("/api/v1/logs", params={"until": until}).json()) == ["old"]

    def test_bad_run_id_is_a_field_error(self, api: TestClient) -> None:
        response = api.get("/api/v1/logs", params={"run_id": "nope"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.run_id"

    def test_another_tenant_sees_nothing(self, make_tenant: object, entries: uuid.UUID) -> None:
        other = make_tenant("Other")  # type: ignore[operator]
        assert other.client.get("/api/v1/logs").json()["total"] == 0


class TestExport:
    def test_csv_has_every_match_with_a_bom_for_excel(
        self, api: TestClient, entries: uuid.UUID
    ) -> None:
        response = api.get("/api/v1/logs", params={"format": "csv", "system": "onec"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="integration-logs.csv"' in response.headers["content-disposition"]
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert [r["message"] for r in rows] == ["HTTP 503 from 1C", "Загружено 100 товаров"]
        assert json.loads(rows[1]["details"]) == {"page": 1}

    def test_ndjson_streams_large_selections(
        self, api: TestClient, tenant: TenantHandle, database: Database
    ) -> None:
        tenant_id = uuid.UUID(tenant.tenant_id)
        with database.scope() as session:
            session.add_all(
                IntegrationLog(
                    tenant_id=tenant_id,
                    level="info",
                    system="bulk",
                    step="s",
                    status="ok",
                    message=f"entry {n}",
                )
                for n in range(2500)
            )
        with api.stream(
            "GET", "/api/v1/logs", params={"format": "ndjson", "system": "bulk"}
        ) as response:
            assert response.headers["content-type"] == "application/x-ndjson"
            chunks = list(response.iter_raw())
        lines = b"".join(chunks).decode().splitlines()
        assert len(lines) == 2500
        assert json.loads(lines[0])["message"] == "entry 2499"
        assert len(chunks) > 1  # sent in pieces, not as one body
