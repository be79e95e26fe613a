"""End to end in Chromium: create an endpoint to a local receiver, send an event, see it land."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks import Webhook

from tests.fixtures.app import TenantHandle
from tests.fixtures.browser import login
from tests.fixtures.worker import wait_for
from tests.webhooks.conftest import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _deliver_to_loopback() -> Iterator[None]:
    """The live server's worker may deliver to the receiver on 127.0.0.1 (set before it starts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IHUB_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true")
        yield


def test_create_an_endpoint_send_a_test_event_and_see_it_delivered(
    page: Page, tenant: TenantHandle, receiver: Receiver
) -> None:
    login(page, tenant)
    page.click("a:text('Webhooks')")
    page.fill("#endpoint-form input[name=url]", f"{receiver.url}/hooks/ihub")
    page.fill("#endpoint-form input[name=description]", "Local receiver")
    page.check("#endpoint-form input[value='run.completed']")
    page.click("#endpoint-form button[type=submit]")

    secret = page.locator("[data-testid=webhook-secret]").inner_text()
    assert secret.startswith("whsec_")
    page.click("#send-test")
    page.wait_for_url(re.compile(r"/webhooks/[0-9a-f-]{36}$"))
    expect(page.locator("[data-testid=webhook-secret]")).to_have_count(0)  # shown once only
    # The log refreshes by itself until the worker has delivered the ping.
    expect(page.locator("[data-testid=messages-table] .badge").first).to_have_attribute(
        "data-status", "delivered", timeout=30_000
    )

    (got,) = wait_for(lambda: receiver.received)
    assert got.path == "/hooks/ihub"
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.ping"

    page.click("[data-testid=messages-table] a:text('webhook.ping')")
    expect(page.locator("[data-testid=attempts-table] [data-field=status_code]")).to_have_text(
        "204"
    )
    expect(page.locator("[data-testid=payload]")).to_contain_text('"type": "webhook.ping"')
