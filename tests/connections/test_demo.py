from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from ihub.config import get_settings
from ihub.db import Database
from ihub.demo import seed
from tests.fixtures.app import TenantHandle


def test_the_demo_seeds_each_sandbox_connection_once_and_keeps_its_address_current(
    tenant: TenantHandle, api: TestClient, database: Database
) -> None:
    settings = get_settings()
    tenant_id = uuid.UUID(tenant.tenant_id)
    for port in (8000, 8000, 8123):
        with database.scope() as session:
            seed(
                session,
                tenant_id,
                settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"}),
            )
    connections = {c["kind"]: c for c in api.get("/api/v1/connections").json()["items"]}
    assert sorted(connections) == ["allegro", "onec_odata"]
    allegro = connections["allegro"]
    assert allegro["settings"]["auth_url"] == "http://127.0.0.1:8123/sandbox/allegro"
    assert allegro["settings"]["api_url"] == "http://127.0.0.1:8123/sandbox/allegro/api"
    demo = connections["onec_odata"]
    assert demo["name"] == "1C sandbox"
    assert demo["settings"]["base_url"] == "http://127.0.0.1:8123/sandbox/onec/ut11"
    assert demo["settings"]["username"] == "Администратор"
    assert demo["secrets"] == {"password": True}
