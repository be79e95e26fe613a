"""The UI shell end to end: sign in, start a run, watch it complete live over SSE."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.app import TenantHandle
from tests.fixtures.browser import login

pytestmark = pytest.mark.browser


def test_sign_in_start_a_run_and_watch_it_complete(page: Page, tenant: TenantHandle) -> None:
    login(page, tenant)
    expect(page.locator("h1")).to_have_text("Dashboard")

    page.click("a:text('Runs')")
    page.click("summary:text('Start a run')")
    page.select_option("#run-kind", "demo.counter")
    page.fill("#run-params", '{"count": 40, "delay_ms": 50, "batch": 5, "steps": 2}')
    page.click("#start-run-form button[type=submit]")

    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    expect(page.locator("#run-status .badge")).to_have_attribute(
        "data-status", re.compile("queued|running")
    )
    # Progress arrives over SSE without a reload: the first step's counter moves.
    expect(page.locator('tr[data-step="step 1"] [data-field="progress"]')).to_contain_text("/ 40")
    expect(page.locator("#run-status .badge")).to_have_attribute(
        "data-status", "completed", timeout=60_000
    )
    expect(page.locator('tr[data-step="step 2"] [data-field="inserted"]')).to_have_text("40")


def test_wrong_password_is_refused_and_pages_need_a_session(
    page: Page, tenant: TenantHandle
) -> None:
    page.goto("/runs")
    page.wait_for_url(re.compile(r"/login\?next=%2Fruns"))
    page.fill("input[name=email]", tenant.admin_email)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".alert-error")).to_have_text("Wrong e-mail or password.")
    page.fill("input[name=email]", tenant.admin_email)
    page.fill("input[name=password]", tenant.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/runs$"))


def test_create_an_api_key_shown_once_and_revoke_it(page: Page, tenant: TenantHandle) -> None:
    login(page, tenant)
    page.goto("/api-keys")
    page.fill("#api-key-form input[name=name]", "BI export")
    page.select_option("#api-key-form select[name=role]", "viewer")
    page.click("#api-key-form button[type=submit]")
    key = page.locator("[data-testid=new-key]").inner_text()
    assert key.startswith("ihub_")
    page.goto("/api-keys")
    expect(page.locator("[data-testid=new-key]")).to_have_count(0)
    row = page.locator("tr", has_text="BI export")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button:text('Revoke')").click()
    expect(page.locator("tr", has_text="BI export")).to_contain_text("Revoked")
