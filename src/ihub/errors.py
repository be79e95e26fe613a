"""The error tree and its rendering as RFC 9457 problem+json.

    IhubError                      any expected outcome with an HTTP status
    ├── BadRequest (400)
    ├── NotAuthenticated (401)
    ├── PermissionDenied (403)
    ├── NotFound (404)             an id of another tenant is a NotFound too
    ├── Conflict (409)
    ├── PayloadTooLarge (413)
    ├── Unprocessable (422)        a well-formed request that the domain rejects
    ├── RateLimited (429)
    ├── UpstreamFailed (502)       an external system failed while we served a request
    └── ServiceUnavailable (503)

Anything else that escapes a handler is a bug: it is logged with its traceback and the client
gets a plain 500 problem with the request id to quote.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class IhubError(Exception):
    status_code: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def type_uri(self) -> str:
        return f"urn:ihub:problem:{_slug(type(self).__name__)}"


class BadRequest(IhubError):
    status_code = 400
    title = "Bad request"


class NotAuthenticated(IhubError):
    status_code = 401
    title = "Not authenticated"

    def __init__(self, message: str = "Credentials are missing or invalid.") -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="ihub"'})


class PermissionDenied(IhubError):
    status_code = 403
    title = "Permission denied"


class NotFound(IhubError):
    status_code = 404
    title = "Not found"


class Conflict(IhubError):
    status_code = 409
    title = "Conflict"


class PayloadTooLarge(IhubError):
    status_code = 413
    title = "Payload too large"


class Unprocessable(IhubError):
    status_code = 422
    title = "Unprocessable request"


class RateLimited(IhubError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Rate limit exceeded; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


class UpstreamFailed(IhubError):
    status_code = 502
    title = "External system failed"


class ServiceUnavailable(IhubError):
    status_code = 503
    title = "Service unavailable"


def validation_summary(exc: ValidationError) -> str:
    """``field.path: message; …`` on one line, for a form or a command."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_uri: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_uri, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(IhubError)
    async def _ihub_error(request: Request, exc: IhubError) -> JSONResponse:
        return problem(
            exc.status_code,
            exc.title,
            exc.message,
            type_uri=exc.type_uri,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ())),
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        return problem(
            422,
            "Validation failed",
            "The request does not match the expected shape.",
            type_uri="urn:ihub:problem:validation-failed",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem(exc.status_code, title, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return problem(
            500,
            "Internal error",
            "An unexpected error occurred; it has been logged. Quote the request id to support.",
            request_id=_request_id(request),
        )
