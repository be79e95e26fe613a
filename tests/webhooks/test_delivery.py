"""Deliveries to a real HTTP receiver: signatures, retries, status handling, safety."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from standardwebhooks import Webhook
from starlette.responses import Response

from ihub.config import Settings
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.models import WebhookEndpoint, WebhookMessage
from ihub.webhooks.dispatcher import Dispatcher
from tests.fixtures.worker import wait_for
from tests.webhooks.conftest import Receiver, new_endpoint


def ping(api: TestClient, endpoint_id: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/webhooks/endpoints/{endpoint_id}/test")
    assert response.status_code == 202, response.text
    return dict(response.json())


def message(api: TestClient, message_id: str) -> dict[str, Any]:
    return dict(api.get(f"/api/v1/webhooks/messages/{message_id}").json())


def attempts(api: TestClient, message_id: str) -> list[dict[str, Any]]:
    page = api.get(f"/api/v1/webhooks/messages/{message_id}/attempts").json()
    return list(reversed(page["items"]))  # oldest first


def test_a_delivery_verifies_with_the_standardwebhooks_package(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, f"{receiver.url}/hooks")
    sent = ping(api, endpoint["id"])
    assert dispatch() == 1

    (got,) = receiver.received
    assert got.path == "/hooks"
    body = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert body["type"] == "webhook.ping"
    assert body["data"]["endpoint_id"] == endpoint["id"]
    assert set(body) == {"type", "timestamp", "data"}
    assert got.headers["webhook-id"] == sent["event_id"]
    assert got.headers["content-type"] == "application/json"
    assert message(api, sent["id"])["status"] == "delivered"
    (attempt,) = attempts(api, sent["id"])
    assert attempt["status_code"] == 204
    assert attempt["error"] is None


def test_failures_are_retried_with_the_same_id_and_body(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    receiver.plan(Response("boom", 500), Response("slow down", 429), Response("ok", 200))
    sent = ping(api, endpoint["id"])
    assert dispatch() == 3

    first, second, third = receiver.received
    assert (
        first.headers["webhook-id"] == second.headers["webhook-id"] == third.headers["webhook-id"]
    )
    assert first.body == second.body == third.body
    for got in receiver.received:
        Webhook(endpoint["secret"]).verify(got.body, got.headers)
    history = attempts(api, sent["id"])
    assert [a["status_code"] for a in history] == [500, 429, 200]
    assert [a["attempt"] for a in history] == [1, 2, 3]
    assert history[0]["response_body"] == "boom"
    assert message(api, sent["id"])["status"] == "delivered"


def test_the_last_failure_fails_the_message_and_resend_starts_again(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    receiver.plan(*[Response(status_code=503)] * 4)
    sent = ping(api, endpoint["id"])
    assert dispatch() == 4  # the first attempt and three retries
    failed = message(api, sent["id"])
    assert failed["status"] == "failed"
    assert failed["last_status_code"] == 503

    resent = api.post(f"/api/v1/webhooks/messages/{sent['id']}/resend")
    assert resent.status_code == 202
    assert dispatch() == 1
    assert message(api, sent["id"])["status"] == "delivered"
    assert len(receiver.received) == 5
    assert len({got.headers["webhook-id"] for got in receiver.received}) == 1


def test_retry_after_is_honoured(api: TestClient, receiver: Receiver, dispatch: Any) -> None:
    endpoint = new_endpoint(api, receiver.url)
    receiver.plan(Response(status_code=429, headers={"Retry-After": "120"}))
    sent = ping(api, endpoint["id"])
    before = utcnow()
    assert dispatch(webhooks_retry_schedule=[5.0, 3600.0]) == 1  # the retry is not due yet
    waiting = message(api, sent["id"])
    assert waiting["status"] == "pending"
    next_at = datetime.fromisoformat(waiting["next_attempt_at"])
    assert next_at >= before + timedelta(seconds=119)


def test_redirects_are_failures_and_not_followed(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, f"{receiver.url}/old")
    receiver.plan(Response(status_code=307, headers={"Location": f"{receiver.url}/new"}))
    sent = ping(api, endpoint["id"])
    dispatch(webhooks_retry_schedule=[])
    assert [got.path for got in receiver.received] == ["/old"]
    (attempt,) = attempts(api, sent["id"])
    assert attempt["status_code"] == 307
    assert "not followed" in attempt["error"]
    assert message(api, sent["id"])["status"] == "failed"


def test_410_disables_the_endpoint_and_tells_the_others(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    gone = new_endpoint(api, f"{receiver.url}/gone")
    watcher = new_endpoint(api, f"{receiver.url}/watch", event_types=["webhook.endpoint_disabled"])
    receiver.plan(Response(status_code=410))
    ping(api, gone["id"])
    dispatch()

    disabled = api.get(f"/api/v1/webhooks/endpoints/{gone['id']}").json()
    assert disabled["enabled"] is False
    assert "410" in disabled["disabled_reason"]
    notice = next(got for got in receiver.received if got.path == "/watch")
    body = Webhook(watcher["secret"]).verify(notice.body, notice.headers)
    assert body["type"] == "webhook.endpoint_disabled"
    assert body["data"]["endpoint_id"] == gone["id"]
    # A disabled endpoint gets nothing new, and its test button explains why.
    assert api.post(f"/api/v1/webhooks/endpoints/{gone['id']}/test").status_code == 409


def test_an_endpoint_failing_for_days_is_disabled(
    api: TestClient, receiver: Receiver, dispatch: Any, database: Database
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    with database.scope() as session:
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == uuid.UUID(endpoint["id"]))
            .values(failing_since=utcnow() - timedelta(days=5, minutes=1))
        )
    receiver.plan(Response(status_code=500))
    sent = ping(api, endpoint["id"])
    dispatch()
    assert api.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json()["enabled"] is False
    assert message(api, sent["id"])["status"] == "failed"
    assert len(receiver.received) == 1


def test_a_success_resets_the_failure_clock(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    receiver.plan(Response(status_code=500))
    ping(api, endpoint["id"])
    dispatch(webhooks_retry_schedule=[])
    assert api.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json()["failing_since"]
    ping(api, endpoint["id"])
    dispatch()
    assert api.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}").json()["failing_since"] is None


def test_a_rotated_secret_signs_alongside_the_old_one(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    rotated = api.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret").json()
    assert rotated["secret"] != endpoint["secret"]
    assert rotated["previous_secret_expires_at"]
    ping(api, endpoint["id"])
    dispatch()
    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(got.body, got.headers)
    Webhook(rotated["secret"]).verify(got.body, got.headers)


def test_private_addresses_are_refused_unless_allowed(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    by_ip = new_endpoint(api, receiver.url)
    by_name = new_endpoint(api, receiver.url.replace("127.0.0.1", "localhost"))
    sent = [ping(api, by_ip["id"]), ping(api, by_name["id"])]
    dispatch(webhooks_allow_private_networks=False, webhooks_retry_schedule=[])
    assert receiver.received == []
    for one in sent:
        (attempt,) = attempts(api, one["id"])
        assert attempt["status_code"] is None
        assert "not a public address" in attempt["error"]


def test_timeouts_and_connection_errors_are_recorded(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    receiver.gate = threading.Event()  # never opened while the attempt waits
    endpoint = new_endpoint(api, receiver.url)
    closed = new_endpoint(api, "http://127.0.0.1:9/nobody-listens")
    slow, refused = ping(api, endpoint["id"]), ping(api, closed["id"])
    dispatch(webhooks_timeout_seconds=0.5, webhooks_retry_schedule=[])
    receiver.gate.set()
    assert "No answer within 0.5 s" in attempts(api, slow["id"])[0]["error"]
    assert "ConnectError" in attempts(api, refused["id"])[0]["error"]


def test_response_excerpts_are_cut_at_4_kb(
    api: TestClient, receiver: Receiver, dispatch: Any
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    receiver.plan(Response("x" * 100_000, 200))
    sent = ping(api, endpoint["id"])
    dispatch()
    (attempt,) = attempts(api, sent["id"])
    assert attempt["response_body"] == "x" * 4096


def test_a_slow_endpoint_does_not_hold_up_the_others(
    api: TestClient,
    make_receiver: Callable[[], Receiver],
    database: Database,
    settings: Settings,
) -> None:
    """Ten messages to a receiver that does not answer yet, one to a healthy one."""
    stuck, healthy = make_receiver(), make_receiver()
    stuck.gate = threading.Event()
    slow = new_endpoint(api, stuck.url)
    for _ in range(10):
        ping(api, slow["id"])
    quick = ping(api, new_endpoint(api, healthy.url)["id"])
    limited = settings.model_copy(update={"webhooks_endpoint_concurrency": 3})
    thread = threading.Thread(target=Dispatcher(database, limited).run)
    thread.start()
    try:
        wait_for(lambda: stuck.in_flight == 3, timeout=20)
        wait_for(lambda: message(api, quick["id"])["status"] == "delivered", timeout=20)
        assert stuck.in_flight == 3  # the slow endpoint holds only its share
    finally:
        stuck.gate.set()
        thread.join(60)
    assert stuck.most_in_flight == 3
    slow_log = api.get(f"/api/v1/webhooks/endpoints/{slow['id']}/messages").json()
    assert {m["status"] for m in slow_log["items"]} == {"delivered"}


def test_messages_of_a_dispatcher_that_died_are_sent_after_its_lease(
    api: TestClient, receiver: Receiver, dispatch: Any, database: Database
) -> None:
    endpoint = new_endpoint(api, receiver.url)
    sent = ping(api, endpoint["id"])
    with database.scope() as session:  # claimed by a dispatcher that never came back
        session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.id == uuid.UUID(sent["id"]))
            .values(status="sending", attempts=1, locked_until=utcnow() + timedelta(minutes=1))
        )
    assert dispatch() == 0  # its lease still runs
    with database.scope() as session:
        session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.id == uuid.UUID(sent["id"]))
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert dispatch() == 1
    delivered = message(api, sent["id"])
    assert delivered["status"] == "delivered"
    assert delivered["attempts"] == 2
