"""Connections pages: forms generated from the settings model, secrets kept, test button."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI

from tests.fixtures.app import TenantHandle
from tests.fixtures.onec import OneCSandbox
from tests.ui.test_pages import csrf_of, sign_in


def test_create_edit_and_test_through_the_forms(
    app: FastAPI, tenant: TenantHandle, onec_sandbox: Callable[..., OneCSandbox]
) -> None:
    sandbox = onec_sandbox()
    client = sign_in(app, tenant)
    form = client.get("/connections/new?kind=onec_odata")
    assert form.status_code == 200
    assert "Base URL" in form.text
    assert 'name="secrets.password" type="password"' in form.text
    token = csrf_of(client)
    fields = {
        "csrf_token": token,
        "kind": "onec_odata",
        "name": "Sandbox",
        "settings.base_url": sandbox.base_url,
        "settings.username": "Администратор",
        "settings.timeout_seconds": "30",
        "settings.page_size": "200",
        "settings.rate_limit": "",
        "secrets.password": "пароль",
    }
    created = client.post("/connections/new", data=fields, follow_redirects=False)
    assert created.status_code == 303, created.text
    page_url = created.headers["location"]
    page = client.get(page_url)
    assert "stored encrypted" in page.text
    assert "пароль" not in page.text

    # Saving with the password box empty keeps the stored password.
    saved = client.post(
        page_url,
        data={**fields, "name": "Sandbox 1C", "secrets.password": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    tested = client.post(
        f"{page_url}/test", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert tested.status_code == 200
    assert 'data-ok="true"' in tested.text
    listing = client.get("/connections")
    assert "Sandbox 1C" in listing.text
    assert 'data-status="ok"' in listing.text


def test_invalid_form_input_is_shown_with_the_form(app: FastAPI, tenant: TenantHandle) -> None:
    client = sign_in(app, tenant)
    response = client.post(
        "/connections/new",
        data={
            "csrf_token": csrf_of(client),
            "kind": "onec_odata",
            "name": "Broken",
            "settings.base_url": "erp.example",
            "settings.username": "u",
            "secrets.password": "",
        },
    )
    assert response.status_code == 422
    assert "settings.base_url" in response.text
    assert re.search(r'value="erp.example"', response.text)
