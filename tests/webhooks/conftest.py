"""A real HTTP receiver on loopback, and a dispatcher allowed to deliver to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ihub.config import Settings, get_settings
from ihub.db import Database
from ihub.webhooks.dispatcher import Dispatcher
from tests.fixtures.server import serve_in_thread


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST and answers with the planned responses (then 204s).

    ``gate``, when set, holds each request until it is opened: a receiver as slow as a test
    needs, without any sleep.
    """

    url: str = ""
    received: list[Received] = field(default_factory=list)
    planned: list[Response] = field(default_factory=list)
    gate: threading.Event | None = None
    in_flight: int = 0
    most_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, *responses: Response) -> None:
        self.planned.extend(responses)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> Response:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                self.gate.wait(30)
            with self._lock:
                self.received.append(Received(path, headers, body))
                return self.planned.pop(0) if self.planned else Response(status_code=204)
        finally:
            with self._lock:
                self.in_flight -= 1


def _app(receiver: Receiver) -> Starlette:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        return await run_in_threadpool(
            receiver.handle, request.url.path, dict(request.headers), body
        )

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST", "GET"])])


@pytest.fixture
def make_receiver() -> Iterator[Callable[[], Receiver]]:
    with ExitStack() as stack:

        def make() -> Receiver:
            receiver = Receiver()
            receiver.url = stack.enter_context(serve_in_thread(_app(receiver)))
            stack.callback(lambda: receiver.gate and receiver.gate.set())
            return receiver

        yield make


@pytest.fixture
def receiver(make_receiver: Callable[[], Receiver]) -> Receiver:
    return make_receiver()


@pytest.fixture
def settings() -> Settings:
    """Deliveries to 127.0.0.1 allowed; retries immediate, so one dispatch runs the schedule."""
    return get_settings().model_copy(
        update={
            "webhooks_allow_private_networks": True,
            "webhooks_retry_schedule": [0.0, 0.0, 0.0],
            "webhooks_retry_jitter": 0.0,
        }
    )


@pytest.fixture
def dispatch(database: Database, settings: Settings) -> Any:
    """Run one dispatcher in this process until nothing is due."""

    def run(**overrides: Any) -> int:
        return Dispatcher(database, settings.model_copy(update=overrides)).run()

    return run


def new_endpoint(api: TestClient, url: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/v1/webhooks/endpoints", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())
