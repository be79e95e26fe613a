"""Import and catalog pages, driven through their forms."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import FastAPI

from ihub.runs import runner
from tests.fixtures.app import TenantHandle
from tests.fixtures.onec import OneCSandbox
from tests.imports.helpers import connect
from tests.ui.test_pages import csrf_of, sign_in


def test_start_an_import_and_browse_its_result(
    app: FastAPI, tenant: TenantHandle, onec_sandbox: Callable[..., OneCSandbox]
) -> None:
    connection = connect(tenant.client, onec_sandbox(), name="Sandbox 1C")
    client = sign_in(app, tenant)
    form = client.get("/imports")
    assert "Sandbox 1C" in form.text
    started = client.post(
        "/imports",
        data={
            "csrf_token": csrf_of(client),
            "connection_id": connection,
            "aggregates": ["organizations", "products"],
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    page_url = started.headers["location"]
    runner.execute(uuid.UUID(page_url.rsplit("/", 1)[1]))

    page = client.get(page_url)
    assert 'data-status="completed_with_errors"' in page.text
    assert 'data-step="products"' in page.text
    assert "INN check digit does not match" in page.text
    filtered = client.get(page_url, params={"aggregate": "products"})
    assert "INN check digit" not in filtered.text
    assert client.get("/imports").text.count(page_url) == 1

    organizations = client.get("/catalog/organizations", params={"valid": "false"})
    assert "5406234561" in organizations.text
    assert "ООО «Ромашка»" not in organizations.text.split("<tbody>")[1]
    products = client.get("/catalog/products", params={"q": "УТ-00000002"})
    assert "УТ-00000002" in products.text


def test_starting_without_a_choice_is_explained(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    response = client.post("/imports", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 422
    assert "Choose a 1C connection" in response.text
