"""The webhooks pages render and their forms work for a signed-in admin."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.fixtures.app import TenantHandle
from tests.ui.test_pages import csrf_of, sign_in
from tests.webhooks.conftest import new_endpoint


def test_create_an_endpoint_see_the_secret_once_and_its_pages(
    app: FastAPI, tenant: TenantHandle
) -> None:
    client = sign_in(app, tenant)
    assert client.get("/webhooks").status_code == 200
    created = client.post(
        "/webhooks",
        data={
            "url": "https://hooks.ihub.invalid/in",
            "description": "ERP",
            "event_types": ["order.created", "run.failed"],
            "enabled": "true",
            "csrf_token": csrf_of(client),
        },
    )
    assert created.status_code == 200
    secret = re.search(r'data-testid="webhook-secret">(whsec_[^<]+)<', created.text)
    assert secret
    endpoint_id = tenant.client.get("/api/v1/webhooks/endpoints").json()["items"][0]["id"]
    page = client.get(f"/webhooks/{endpoint_id}")
    assert page.status_code == 200
    assert secret.group(1) not in page.text
    assert "order.created" in page.text

    sent = client.post(
        f"/webhooks/{endpoint_id}/test",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    log = client.get(f"/webhooks/{endpoint_id}?partial=1&status=pending")
    message_id = re.search(r'href="/webhooks/messages/([0-9a-f-]{36})"', log.text)
    assert message_id
    message = client.get(f"/webhooks/messages/{message_id.group(1)}")
    assert message.status_code == 200
    assert "webhook.ping" in message.text


def test_a_bad_url_is_explained_and_nothing_is_created(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    response = client.post(
        "/webhooks",
        data={"url": "ftp://files.ihub.invalid", "enabled": "true", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 422
    assert "url" in response.text
    assert tenant.client.get("/api/v1/webhooks/endpoints").json()["total"] == 0


def test_edit_rotate_recover_and_delete_from_the_endpoint_page(
    app: FastAPI, tenant: TenantHandle
) -> None:
    endpoint = new_endpoint(tenant.client, "https://hooks.ihub.invalid/in")
    client = sign_in(app, tenant)
    base = f"/webhooks/{endpoint['id']}"
    saved = client.post(
        base,
        data={"url": "https://hooks.ihub.invalid/v2", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    changed = tenant.client.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json()
    assert changed["url"] == "https://hooks.ihub.invalid/v2"
    assert changed["enabled"] is False  # the box was not ticked
    client.post(
        base, data={"url": changed["url"], "enabled": "true", "csrf_token": csrf_of(client)}
    )
    rotated = client.post(f"{base}/rotate-secret", data={"csrf_token": csrf_of(client)})
    assert "whsec_" in rotated.text
    recovered = client.post(
        f"{base}/recover",
        data={"since": "2026-01-01T00:00", "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert recovered.status_code == 303
    deleted = client.post(
        f"{base}/delete", data={"csrf_token": csrf_of(client)}, follow_redirects=False
    )
    assert deleted.headers["location"] == "/webhooks"
    assert client.get(base).status_code == 404
