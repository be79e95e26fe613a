"""Orders pages and the Allegro panel, rendered for a signed-in user."""

from __future__ import annotations

from fastapi import FastAPI

from tests.fixtures.allegro import (
    AllegroSandbox,
    authorize_connection,
    create_connection,
    execute,
    sync,
)
from tests.fixtures.app import TenantHandle
from tests.ui.test_pages import csrf_of, sign_in


def test_orders_list_filters_and_order_page(
    app: FastAPI, tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    client = sign_in(app, tenant)
    empty = client.get("/orders")
    assert empty.status_code == 200
    assert "No orders yet" in empty.text

    connection_id = create_connection(tenant, allegro_sandbox)
    authorize_connection(tenant, allegro_sandbox, connection_id)
    sync(tenant, connection_id)
    paid, unpaid = (
        allegro_sandbox.create_orders(1)[0],
        allegro_sandbox.create_orders(1, paid=False)[0],
    )
    allegro_sandbox.change(unpaid, "cancel")
    sync(tenant, connection_id)

    page = client.get("/orders")
    assert f'data-order="{paid}"' in page.text
    assert f'data-order="{unpaid}"' in page.text
    assert 'data-testid="orders-count">2<' in page.text
    assert "/api/v1/orders/export?" in page.text

    cancelled = client.get("/orders", params={"status": "CANCELLED", "partial": 1})
    assert f'data-order="{unpaid}"' in cancelled.text
    assert f'data-order="{paid}"' not in cancelled.text
    assert "<html" not in cancelled.text  # the table alone, for the auto-refresh

    order_id = tenant.client.get("/api/v1/orders", params={"status": "CANCELLED"}).json()["items"][
        0
    ]["id"]
    detail = client.get(f"/orders/{order_id}")
    assert detail.status_code == 200
    assert "BUYER_CANCELLED" in detail.text
    assert client.get("/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7").status_code == 404

    client.get("/lang/ru")
    russian = client.get("/orders")
    assert "Заказы" in russian.text
    assert "Отменён" in russian.text


def test_the_connection_page_authorizes_and_turns_green(
    app: FastAPI, tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    client = sign_in(app, tenant)
    connection_id = create_connection(tenant, allegro_sandbox)
    page = client.get(f"/connections/{connection_id}")
    assert f'hx-get="/connections/{connection_id}/allegro"' in page.text

    panel = client.get(f"/connections/{connection_id}/allegro")
    assert 'data-status="none"' in panel.text
    started = client.post(
        f"/connections/{connection_id}/allegro/authorize",
        data={"csrf_token": csrf_of(client)},
    )
    assert started.status_code == 200
    assert 'data-status="pending"' in started.text
    assert 'hx-trigger="every 2s"' in started.text
    run_id = tenant.client.get(f"/api/v1/connections/{connection_id}/authorization").json()[
        "run_id"
    ]
    user_code = tenant.client.get(f"/api/v1/connections/{connection_id}/authorization").json()[
        "user_code"
    ]
    assert user_code in started.text

    allegro_sandbox.approve(user_code)
    execute(tenant, run_id)
    done = client.get(f"/connections/{connection_id}/allegro")
    assert 'data-status="completed"' in done.text
    assert 'data-testid="authorized"' in done.text
    assert "every 2s" not in done.text

    queued = client.post(
        f"/connections/{connection_id}/allegro/sync",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert queued.status_code == 200  # a sync is already queued by the authorization
    assert "already queued" in queued.text
