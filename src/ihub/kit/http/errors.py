"""Failures of external systems, classified once.

    ConnectorError
    ├── AuthenticationFailed   401          Terminal  the login, password or token is wrong
    ├── AccessDenied           403          Terminal  the account lacks a right
    ├── ResourceNotFound       404          Terminal  wrong URL, or the object is not exposed
    ├── RequestRejected        other 4xx    Terminal  the request itself is wrong
    ├── InvalidResponse        3xx, bad body  Terminal  the answer is not what the API promises
    ├── RateLimited            429          Transient with ``retry_after``
    ├── ServerFailed           5xx          Transient (``retry_after`` when the server sent one)
    ├── TimedOut               408, timeouts  Transient
    └── Unreachable            connect/DNS/protocol errors  Transient

The ``Transient`` / ``Terminal`` markers (``ihub.kit.failures``) are what retries and the run
machinery key on; the concrete class lets a connector word its message for a person.
"""

from __future__ import annotations

import email.utils
import time

import httpx

from ihub.kit.failures import Terminal, Transient

__all__ = [
    "AccessDenied",
    "AuthenticationFailed",
    "ConnectorError",
    "InvalidResponse",
    "RateLimited",
    "RequestRejected",
    "ResourceNotFound",
    "ServerFailed",
    "TimedOut",
    "Unreachable",
    "error_for_exception",
    "error_for_response",
    "parse_retry_after",
]

_BODY_LIMIT = 2000


class ConnectorError(Exception):
    """A call to an external system failed.

    Attributes:
        status_code: the HTTP status, when there was a response.
        url: the URL called.
        detail: the external system's own explanation, when it gave one.
        body: the start of the response body, for connectors that parse vendor error codes.
    """

    retry_after: float | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        url: str | None = None,
        detail: str | None = None,
        body: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.url = url
        self.detail = detail
        self.body = body
        self.retry_after = retry_after


class AuthenticationFailed(ConnectorError, Terminal):
    pass


class AccessDenied(ConnectorError, Terminal):
    pass


class ResourceNotFound(ConnectorError, Terminal):
    pass


class RequestRejected(ConnectorError, Terminal):
    pass


class InvalidResponse(ConnectorError, Terminal):
    pass


class RateLimited(ConnectorError, Transient):
    pass


class ServerFailed(ConnectorError, Transient):
    pass


class TimedOut(ConnectorError, Transient):
    pass


class Unreachable(ConnectorError, Transient):
    pass


# status -> (class, what a person should do about it)
_STATUS_TABLE: dict[int, tuple[type[ConnectorError], str]] = {
    401: (AuthenticationFailed, "the credentials were rejected; check the login and password"),
    403: (AccessDenied, "access denied; the account lacks the right for this request"),
    404: (ResourceNotFound, "not found; check the URL and that the object is published"),
    408: (TimedOut, "the server timed out waiting for the request"),
    429: (RateLimited, "too many requests; slowing down"),
}


def _classify(status: int) -> tuple[type[ConnectorError], str]:
    if status in _STATUS_TABLE:
        return _STATUS_TABLE[status]
    if status >= 500:
        return ServerFailed, "the server failed; retrying later may help"
    return RequestRejected, "the request was rejected"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_for_response(
    response: httpx.Response, *, system: str, detail: str | None = None
) -> ConnectorError | None:
    """The classified error for a failed response, or None for a success (2xx/3xx)."""
    if response.status_code < 400:
        return None
    cls, advice = _classify(response.status_code)
    message = f"{system} answered HTTP {response.status_code}: {advice}"
    if detail:
        message += f" ({detail})"
    return cls(
        message,
        status_code=response.status_code,
        url=str(response.request.url),
        detail=detail,
        body=response.text[:_BODY_LIMIT],
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def error_for_exception(exc: httpx.TransportError, *, system: str) -> ConnectorError:
    """The classified error for a request that got no response."""
    url = str(exc.request.url) if _has_request(exc) else None
    if isinstance(exc, httpx.TimeoutException):
        return TimedOut(f"{system} did not answer in time ({type(exc).__name__})", url=url)
    return Unreachable(f"cannot reach {system}: {exc or type(exc).__name__}", url=url)


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when the error was built without one
    except RuntimeError:
        return False
    return True
