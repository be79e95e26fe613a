"""Errors as problem+json and the HTTP hardening middleware."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ihub.app import create_app
from ihub.config import Settings
from ihub.errors import add_exception_handlers
from ihub.middleware import BodySizeLimitMiddleware, RequestContextMiddleware, TimeoutMiddleware
from tests.fixtures.server import serve_in_thread

PROBLEM = "application/problem+json"


def test_unknown_api_route_is_a_problem(api: TestClient) -> None:
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Not Found"


def test_validation_errors_name_their_fields(api: TestClient) -> None:
    response = api.post("/api/v1/api-keys", json={"name": "", "role": "boss"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:ihub:problem:validation-failed"
    assert {e["field"] for e in body["errors"]} == {"body.name", "body.role"}


def test_missing_object_is_a_typed_problem(api: TestClient) -> None:
    response = api.get("/api/v1/runs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json() == {
        "type": "urn:ihub:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": "Run not found.",
    }


def test_request_id_is_echoed_or_made(api: TestClient) -> None:
    assert (
        api.get("/health/live", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    assert len(api.get("/health/live").headers["x-request-id"]) == 32


def test_security_headers_are_set(api: TestClient) -> None:
    headers = api.get("/health/live").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def _small_app(**middleware: float) -> FastAPI:
    app = FastAPI()
    add_exception_handlers(app)

    @app.post("/echo")
    def echo(body: dict[str, str]) -> dict[str, int]:
        return {"keys": len(body)}

    @app.get("/slow")
    def slow() -> dict[str, str]:
        time.sleep(middleware.get("sleep", 0))
        return {"done": "yes"}

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("boom")

    if "max_bytes" in middleware:
        app.add_middleware(BodySizeLimitMiddleware, max_bytes=int(middleware["max_bytes"]))
    if "timeout" in middleware:
        app.add_middleware(TimeoutMiddleware, seconds=middleware["timeout"])
    app.add_middleware(RequestContextMiddleware)
    return app


def test_body_over_the_limit_is_413_by_declared_length() -> None:
    client = TestClient(_small_app(max_bytes=1024))
    assert client.post("/echo", json={"a": "b"}).status_code == 200
    response = client.post("/echo", json={"a": "x" * 2000})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "1024 bytes" in response.json()["detail"]


def test_body_over_the_limit_is_413_when_streamed_without_length() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"a": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    client = TestClient(_small_app(max_bytes=1024))
    response = client.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_slow_response_is_answered_504_while_the_handler_still_runs() -> None:
    with serve_in_thread(_small_app(timeout=0.3, sleep=3)) as url:
        # The client gives up long before the handler's 3 s: only an early 504 arrives in time.
        response = httpx.get(f"{url}/slow", timeout=2)
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM


def test_fast_response_passes_the_timeout() -> None:
    assert TestClient(_small_app(timeout=2, sleep=0)).get("/slow").json() == {"done": "yes"}


def test_unexpected_error_is_a_500_problem_with_the_request_id() -> None:
    client = TestClient(_small_app(timeout=5), raise_server_exceptions=False)
    response = client.get("/bug", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["request_id"] == "req-42"
    assert "boom" not in response.text


def test_cors_is_off_unless_origins_are_configured(database: object) -> None:
    preflight = {"Origin": "https://bi.example", "Access-Control-Request-Method": "GET"}
    closed = TestClient(create_app(Settings()))
    assert (
        "access-control-allow-origin"
        not in closed.options("/api/v1/runs", headers=preflight).headers
    )
    opened = TestClient(create_app(Settings(cors_origins=["https://bi.example"])))
    response = opened.options("/api/v1/runs", headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://bi.example"
    other = opened.options("/api/v1/runs", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
