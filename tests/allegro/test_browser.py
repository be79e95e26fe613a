"""The demo, end to end in Chromium: a new user authorizes the sandbox Allegro account, sees
orders arrive, filters them, exports CSV, and sees a cancellation after the next scheduled
sync. ``ihub serve --demo`` runs with its worker and scheduler; the Allegro emulator is the
one mounted at /sandbox/allegro."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ihub.allegro.demo import NAME, seed_allegro_sandbox
from ihub.config import Settings
from ihub.db import Database
from tests.fixtures.app import TenantHandle
from tests.fixtures.browser import login

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _sync_every_minute() -> Iterator[None]:
    """The schedule an authorization creates fires every minute here (five in production)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IHUB_ALLEGRO_SYNC_CRON", "* * * * *")
        yield


def test_authorize_watch_orders_arrive_filter_export_and_see_a_cancellation(
    page: Page, live_server: str, tenant: TenantHandle, database: Database
) -> None:
    with database.scope() as session:
        seed_allegro_sandbox(session, uuid.UUID(tenant.tenant_id), Settings(public_url=live_server))
    login(page, tenant)

    page.click("a:text('Connections')")
    page.click(f"a:text('{NAME}')")
    panel = page.locator("#allegro-authorization")
    expect(panel).to_have_attribute("data-status", "none")
    page.click("#authorize-form button")
    expect(panel).to_have_attribute("data-status", "pending")
    code = page.locator("[data-testid=user-code]").inner_text()

    # The seller opens Allegro's page from the link and approves the code shown in ihub.
    with page.context.expect_page() as opened:
        page.click("[data-testid=verification-link]")
    allegro = opened.value
    expect(allegro.locator("input[name=code]")).to_have_value(code)
    allegro.click("button:text('Approve')")
    expect(allegro.locator("#decision")).to_contain_text("may now access")

    # The panel turns green by itself once the worker's poll gets the tokens.
    expect(panel).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.locator("[data-testid=authorized]")).to_be_visible()

    # The first sync starts right away and backfills the seller's recent orders.
    page.click("a:text('Orders')")
    expect(page.locator("[data-testid=orders-table] tbody tr").first).to_be_visible(timeout=60_000)
    count = int(page.locator("[data-testid=orders-count]").inner_text())
    assert count > 0

    page.select_option("select[name=status]", "READY_FOR_PROCESSING")
    page.click("#order-filters button[type=submit]")
    page.wait_for_url(re.compile(r"status=READY_FOR_PROCESSING"))
    statuses = page.locator("[data-testid=orders-table] [data-field=status] .badge")
    expect(statuses.first).to_be_visible()
    assert set(statuses.evaluate_all("els => els.map(e => e.dataset.status)")) == {
        "READY_FOR_PROCESSING"
    }

    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    exported = open(download.value.path(), encoding="utf-8-sig").read().splitlines()  # noqa: SIM115
    assert exported[0].startswith("id,external_id,")
    assert len(exported) == 1 + int(page.locator("[data-testid=orders-count]").inner_text())

    # Later, at Allegro, a buyer cancels one of them; the next scheduled sync brings it over.
    page.goto("/orders?status=READY_FOR_PROCESSING")
    form_id = page.locator("[data-testid=orders-table] tbody tr").first.get_attribute("data-order")
    allegro.goto(f"{live_server}/sandbox/allegro/")
    allegro.click(f"form[action='seller/orders/{form_id}/cancel'] button")
    page.goto("/orders")
    expect(
        page.locator(f'tr[data-order="{form_id}"] [data-field=status] .badge')
    ).to_have_attribute("data-status", "CANCELLED", timeout=150_000)
    runs = page.request.get(
        f"{live_server}/api/v1/runs", params={"kind": "allegro.orders", "status": "completed"}
    ).json()["items"]
    assert "schedule" in {run["trigger"] for run in runs}
    assert os.environ["IHUB_ALLEGRO_SYNC_CRON"] == "* * * * *"
