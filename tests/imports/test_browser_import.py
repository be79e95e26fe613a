"""A new user imports all five aggregates from the sandbox in the browser and watches it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.app import TenantHandle
from tests.fixtures.browser import login

pytestmark = pytest.mark.browser


def connect_to_the_demo_sandbox(tenant: TenantHandle, live_server: str) -> None:
    # The demo server seeds this connection for the tenants it finds at start; this test's
    # tenant is newer, so it gets the same connection through the API.
    body = {
        "kind": "onec_odata",
        "name": "1C sandbox",
        "settings": {"base_url": f"{live_server}/sandbox/onec/ut11", "username": "Администратор"},
        "secrets": {"password": "пароль"},
    }
    assert tenant.client.post("/api/v1/connections", json=body).status_code == 201


def import_everything(page: Page) -> None:
    page.goto("/imports")
    expect(page.locator("#import-connection")).to_contain_text("1C sandbox")
    expect(page.locator("input[name=aggregates]:checked")).to_have_count(5)
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
    # Live progress arrives over SSE: a bar with a total appears before the end.
    expect(page.locator('tr[data-step="products"] [data-field="progress"]')).to_contain_text(
        "/ 2925", timeout=120_000
    )
    expect(page.locator("#run-status .badge")).to_have_attribute(
        "data-status", "completed_with_errors", timeout=180_000
    )


def test_import_from_the_sandbox_then_reimport_unchanged(
    page: Page, tenant: TenantHandle, live_server: str
) -> None:
    connect_to_the_demo_sandbox(tenant, live_server)
    login(page, tenant)

    import_everything(page)
    expect(page.locator('tr[data-step="stock"] [data-field="status"] .badge')).to_have_attribute(
        "data-status", "completed"
    )
    expect(page.locator("[data-testid=errors-table] tbody tr").first).to_be_visible()
    page.select_option("#errors-aggregate", "organizations")
    page.click("#errors button[type=submit]")
    expect(page.locator("[data-testid=errors-table]")).to_contain_text("5406234561")
    expect(page.locator("[data-testid=errors-csv]")).to_have_attribute(
        "href", re.compile(r"format=csv&aggregate=organizations")
    )

    page.click("a:text('Organizations')")
    table = page.locator("[data-testid=catalog-table]")
    expect(table).to_contain_text("7708123450")  # INN
    expect(table).to_contain_text("770801001")  # KPP
    expect(table).to_contain_text("Общество с ограниченной ответственностью «Ромашка»")

    import_everything(page)
    expect(page.locator('[data-total="inserted"]')).to_have_text("0")
    expect(page.locator('[data-total="updated"]')).to_have_text("0")
    processed = page.locator('[data-total="processed"]').inner_text()
    expect(page.locator('[data-total="unchanged"]')).to_have_text(processed)


def test_test_a_connection_from_its_page(
    page: Page, tenant: TenantHandle, live_server: str
) -> None:
    connect_to_the_demo_sandbox(tenant, live_server)
    login(page, tenant)
    page.click("a:text('Connections')")
    page.click("a:text('1C sandbox')")
    page.click("#test-form button[type=submit]")
    expect(page.locator("[data-testid=test-result]")).to_have_attribute("data-ok", "true")
    expect(page.locator("[data-testid=test-result]")).to_contain_text("all 5 objects")
