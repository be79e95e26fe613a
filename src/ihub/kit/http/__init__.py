"""The outbound HTTP toolkit every connector uses: one client factory, one error table,
one retry policy and one client-side rate limit per external account.

Connectors build a ``Requester`` around ``build_client(...)`` and call ``requester.get(...)``;
they never call ``httpx`` directly, so timeouts, retries and throttling behave the same for
every external system.
"""

from ihub.kit.http.client import DEFAULT_TIMEOUT, Requester, build_client
from ihub.kit.http.errors import (
    AccessDenied,
    AuthenticationFailed,
    ConnectorError,
    InvalidResponse,
    RateLimited,
    RequestRejected,
    ResourceNotFound,
    ServerFailed,
    TimedOut,
    Unreachable,
    error_for_exception,
    error_for_response,
    parse_retry_after,
)
from ihub.kit.http.retry import RetryPolicy
from ihub.kit.http.throttle import Throttle

__all__ = [
    "DEFAULT_TIMEOUT",
    "AccessDenied",
    "AuthenticationFailed",
    "ConnectorError",
    "InvalidResponse",
    "RateLimited",
    "RequestRejected",
    "Requester",
    "ResourceNotFound",
    "RetryPolicy",
    "ServerFailed",
    "Throttle",
    "TimedOut",
    "Unreachable",
    "build_client",
    "error_for_exception",
    "error_for_response",
    "parse_retry_after",
]
