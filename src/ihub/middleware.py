"""Pure ASGI middleware: request context, response timeout and body size limit.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses and SSE pass through untouched.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import structlog
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ihub.health.metrics import http_duration, http_requests

log = structlog.get_logger("ihub.http")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; frame-ancestors 'none'",
    ),
]


_templates: dict[int, str] = {}


def route_template(scope: Scope) -> str:
    """The matched route's full path template (prefixes included), for metric labels."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    if id(route) not in _templates:
        for context in iter_route_contexts(scope["app"].routes):
            _templates[id(context.original_route)] = context.path_format or context.path or "?"
    return _templates.get(id(route), getattr(route, "path", "unmatched"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Request id in and out, one access log line, HTTP metrics, security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id") or ""
        request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                present = {key.lower() for key, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            http_requests.labels(scope["method"], route, str(status)).inc()
            http_duration.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()


class BodySizeLimitMiddleware:
    """413 problem+json past the limit, whether the length is declared or the body streamed.

    FastAPI's own ``max_body_size`` answers a declared oversize length in plain text, which
    API clients cannot parse like every other error; hence this small middleware.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_problem(send, 413, "Payload too large", self._message())
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException, because FastAPI turns other body errors into 400.
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"The request body is larger than the limit of {self.max_bytes} bytes."


class TimeoutMiddleware:
    """Answer 504 when no response has started within the limit.

    Sync endpoints run in threads that cannot be interrupted; the client still gets its answer
    on time and whatever the thread sends later is dropped. A timer per request, not a task
    group: this runs on every request.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        late: asyncio.Task[None] | None = None

        def expire() -> None:
            nonlocal late
            if not started:
                late = asyncio.create_task(
                    _send_problem(
                        send,
                        504,
                        "Request timed out",
                        f"No response within {self.seconds:g} s; the work may still complete.",
                    )
                )

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if late is not None:
                return
            if message["type"] == "http.response.start":
                started = True
                timer.cancel()
            await send(message)

        timer = asyncio.get_running_loop().call_later(self.seconds, expire)
        try:
            await self.app(scope, receive, guarded_send)
        finally:
            timer.cancel()
            if late is not None:
                await late


async def _send_problem(send: Send, status: int, title: str, detail: str) -> None:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
