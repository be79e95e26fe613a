"""The client factory and the ``Requester`` that applies the shared policy to every call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ihub import __version__
from ihub.kit.http.errors import InvalidResponse, error_for_exception, error_for_response
from ihub.kit.http.retry import RetryPolicy
from ihub.kit.http.throttle import Throttle

__all__ = ["DEFAULT_TIMEOUT", "Requester", "build_client"]

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
USER_AGENT = f"ihub/{__version__}"


def build_client(
    base_url: str,
    *,
    auth: httpx.Auth | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` with ihub's defaults: explicit timeouts, a user agent, and redirects
    not followed (for an API a redirect means a wrong base URL, and following it could carry
    the credentials elsewhere)."""
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        transport=transport,
        follow_redirects=False,
    )


class Requester:
    """Sends requests through the shared policy: throttle, send, classify, retry.

    Args:
        client: from ``build_client``; the requester does not close it.
        system: the external system's name in error messages, e.g. ``"1C"``.
        retry: the retry policy for transient failures.
        throttle: the account's client-side rate limit, if it has one.
        describe: pulls the external system's own error text out of a failed response.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        system: str,
        retry: RetryPolicy | None = None,
        throttle: Throttle | None = None,
        describe: Callable[[httpx.Response], str | None] | None = None,
    ) -> None:
        self.client = client
        self.system = system
        self.retry = retry or RetryPolicy()
        self.throttle = throttle
        self.describe = describe

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; return a successful response or raise a ``ConnectorError``."""
        return self.retry.call(lambda: self._once(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def _once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self.throttle is not None:
            self.throttle.acquire()
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise error_for_exception(exc, system=self.system) from exc
        if response.status_code >= 400:
            detail = self.describe(response) if self.describe else None
            error = error_for_response(response, system=self.system, detail=detail)
            assert error is not None
            raise error
        if 300 <= response.status_code < 400:
            raise InvalidResponse(
                f"{self.system} redirected to {response.headers.get('location', '?')}; "
                "use that address as the base URL",
                status_code=response.status_code,
                url=str(response.request.url),
            )
        return response
