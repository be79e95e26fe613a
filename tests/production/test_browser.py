"""A new user plans a batch, runs it to completed, sees the overview change, gets a report."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.fixtures import objects
from tests.fixtures.app import TenantHandle
from tests.fixtures.browser import login

pytestmark = pytest.mark.browser
SLOW = 30_000  # the machine is shared: a busy moment must not fail the test


@pytest.fixture(autouse=True)
def _patient(page: Page) -> None:
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)


def test_plan_complete_and_download_a_report(page: Page, tenant: TenantHandle) -> None:
    objects.product(tenant, "Widget", sku="W-1", unit="pcs")
    objects.work_center(tenant, "L1", name="Line 1")
    login(page, tenant)

    page.goto("/production")
    expect(page.get_by_test_id("completed-today").locator(".stat-value")).to_have_text("0")

    page.goto("/batches")
    page.click("summary:text('New batch')")
    form = page.locator("#batch-form")
    form.locator("input[name=number]").fill("b-100")
    form.locator("input[name=planned_quantity]").fill("120")
    today = datetime.now(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%d")
    form.locator("input[name=planned_start]").fill(f"{today}T00:05")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/batches/[0-9a-f-]{36}$"))
    expect(page.locator("h1")).to_contain_text("B-100")
    expect(page.locator("#batch")).to_have_attribute("data-status", "planned")

    page.click("button[data-move=in_progress]")
    expect(page.locator("#batch")).to_have_attribute("data-status", "in_progress")
    page.fill(".moves input[name=produced_quantity]", "118")
    page.fill(".moves input[name=defective_quantity]", "3")
    page.click("button[data-move=completed]")
    expect(page.locator("#batch")).to_have_attribute("data-status", "completed")
    expect(page.locator("[data-testid=history] tbody tr")).to_have_count(3)
    expect(page.locator("[data-field=produced]")).to_have_text("118")

    page.click("a:text('Production overview')")
    today_card = page.get_by_test_id("completed-today")
    expect(today_card.locator(".stat-value")).to_have_text("1")
    expect(today_card.locator("[data-field=produced]")).to_have_text("118")

    page.click("nav a:text('Reports')")
    page.select_option("#report-form select[name=kind]", "batch_register")
    page.select_option("#report-form select[name=format]", "xlsx")
    page.click("#report-form button[type=submit]")
    link = page.get_by_test_id("download")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with download.value.path().open("rb") as content:
        sheet = load_workbook(content, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    record = dict(zip(rows[0], rows[1], strict=False))
    assert len(rows) == 2
    assert (record["number"], record["status"], record["product"]) == ("B-100", "completed", "W-1")
    assert (record["planned_quantity"], record["produced_quantity"]) == (120, 118)
    assert (record["defective_quantity"], record["good_quantity"]) == (3, 115)


def test_inline_status_moves_in_the_batch_list(page: Page, tenant: TenantHandle) -> None:
    batch_id = objects.batch(tenant, number="INLINE-1")
    login(page, tenant)
    page.goto("/batches")
    row = page.locator(f"#batch-{batch_id}")
    row.locator("button[data-move=in_progress]").click()
    expect(row.locator(".badge")).to_have_attribute("data-status", "in_progress")
    row.locator("input[name=produced_quantity]").fill("99")
    row.locator("button[data-move=completed]").click()
    expect(row.locator(".badge")).to_have_attribute("data-status", "completed")
    expect(row.locator("[data-field=produced]")).to_have_text("99")
    expect(row.locator("button")).to_have_count(0)
