"""The outbound HTTP toolkit against a real HTTP server on loopback."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from ihub.kit.failures import Terminal, Transient
from ihub.kit.http import (
    AuthenticationFailed,
    InvalidResponse,
    RateLimited,
    Requester,
    ResourceNotFound,
    RetryPolicy,
    ServerFailed,
    Throttle,
    TimedOut,
    Unreachable,
    build_client,
    parse_retry_after,
)
from tests.fixtures.server import free_port, serve_in_thread


def _flaky_app() -> FastAPI:
    app = FastAPI()
    calls: dict[str, int] = {}

    @app.get("/status/{code}")
    def status(code: int, request: Request) -> Response:
        key = f"status/{code}"
        calls[key] = calls.get(key, 0) + 1
        headers = (
            {"Retry-After": request.query_params["retry_after"]}
            if ("retry_after" in request.query_params)
            else {}
        )
        return Response(f"answer {code}", status_code=code, headers=headers)

    @app.get("/fails-then-ok/{times}/{token}")
    def fails_then_ok(times: int, token: str) -> Response:
        calls[token] = calls.get(token, 0) + 1
        if calls[token] <= times:
            return Response("busy", status_code=503, headers={"Retry-After": "0"})
        return Response(f"ok after {calls[token]}")

    @app.get("/slow")
    def slow() -> Response:
        time.sleep(1.0)
        return Response("late")

    @app.get("/redirect")
    def redirect() -> Response:
        return Response(status_code=301, headers={"Location": "https://elsewhere.example/"})

    @app.get("/calls/{key:path}")
    def count(key: str) -> dict[str, int]:
        return {"calls": calls.get(key, 0)}

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_in_thread(_flaky_app()) as url:
        yield url


def requester(url: str, **kwargs: object) -> Requester:
    retry = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05)
    return Requester(
        build_client(url, timeout=httpx.Timeout(0.3)),
        system="Vendor",
        retry=retry,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("code", "error", "marker"),
    [
        (401, AuthenticationFailed, Terminal),
        (404, ResourceNotFound, Terminal),
        (429, RateLimited, Transient),
        (500, ServerFailed, Transient),
    ],
)
def test_statuses_map_to_classified_errors(
    server: str, code: int, error: type[Exception], marker: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        requester(server).get(f"/status/{code}")
    assert isinstance(caught.value, marker)
    assert f"Vendor answered HTTP {code}" in str(caught.value)


def test_terminal_errors_are_not_retried(server: str) -> None:
    before = httpx.get(f"{server}/calls/status/403").json()["calls"]
    with pytest.raises(Terminal):
        requester(server).get("/status/403")
    assert httpx.get(f"{server}/calls/status/403").json()["calls"] == before + 1


def test_transient_errors_are_retried_until_success(server: str) -> None:
    token = uuid.uuid4().hex
    response = requester(server).get(f"/fails-then-ok/2/{token}")
    assert response.text == "ok after 3"


def test_retries_give_up_after_the_attempts(server: str) -> None:
    token = uuid.uuid4().hex
    with pytest.raises(ServerFailed):
        requester(server).get(f"/fails-then-ok/5/{token}")
    assert httpx.get(f"{server}/calls/{token}").json()["calls"] == 3


def test_retry_after_is_honoured_and_a_long_one_is_handed_up(server: str) -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=3, max_retry_after=10)
    client = Requester(build_client(server), system="Vendor", retry=policy)
    with pytest.raises(RateLimited):
        policy.call(lambda: client._once("GET", "/status/429?retry_after=2"), sleep=slept.append)
    assert slept == [2.0, 2.0]
    slept.clear()
    with pytest.raises(RateLimited) as caught:
        policy.call(lambda: client._once("GET", "/status/429?retry_after=120"), sleep=slept.append)
    assert slept == []  # not waited for in the call: the run retries later
    assert caught.value.retry_after == 120


def test_timeouts_and_unreachable_hosts_are_transient(server: str) -> None:
    with pytest.raises(TimedOut):
        requester(server).get("/slow")
    with pytest.raises(Unreachable):
        requester(f"http://127.0.0.1:{free_port()}").get("/")


def test_redirects_are_not_followed(server: str) -> None:
    with pytest.raises(InvalidResponse, match="elsewhere.example"):
        requester(server).get("/redirect")


def test_describe_adds_the_vendors_own_words(server: str) -> None:
    with pytest.raises(ResourceNotFound, match=r"\(vendor says: answer 404\)"):
        requester(server, describe=lambda r: f"vendor says: {r.text}").get("/status/404")


def test_parse_retry_after_accepts_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (parse_retry_after(later) or 0) <= 30


def test_throttle_spaces_requests_per_account() -> None:
    account = uuid.uuid4().hex
    throttle = Throttle("2/second", account)
    assert throttle.acquire() == 0
    assert throttle.acquire() == 0
    assert Throttle("2/second", uuid.uuid4().hex).acquire() == 0  # another account, own window
    # The third request in the same window has to wait for it to move on.
    assert Throttle("2/second", account).acquire() > 0
