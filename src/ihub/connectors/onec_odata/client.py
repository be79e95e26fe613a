"""Typed calls to 1C's standard OData interface (``…/odata/standard.odata``).

Every request carries ``$format=json`` and ``Accept: application/json`` (without them 1C
answers Atom/XML), HTTP Basic with UTF-8 credentials (httpx encodes ``str`` as UTF-8, so
«Администратор» works), and query values percent-encoded with ``%20`` for spaces (1C is strict
about ``+``). 1C never sends ``odata.nextLink``: callers page with ``$top``/``$skip`` under a
stable ``$orderby``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ihub.connectors.onec_odata.spec import OneCSettings
from ihub.kit.http import (
    AccessDenied,
    AuthenticationFailed,
    ConnectorError,
    InvalidResponse,
    Requester,
    RequestRejected,
    ResourceNotFound,
    RetryPolicy,
    Throttle,
    TimedOut,
    Unreachable,
    build_client,
)

__all__ = ["MissingField", "OneCClient", "Page", "error_code", "service_url"]

SERVICE_PATH = "/odata/standard.odata"
BALANCE_TIMEOUT_FACTOR = 3  # virtual tables are computed per call (12 s on a real base)
_QUERY_SAFE = "$,'()/:"
_MISSING_SEGMENT = re.compile(r"Сегмент пути\s+(\S+?)\s+не найден", re.IGNORECASE)
E = TypeVar("E", bound=ConnectorError)


def service_url(base_url: str) -> str:
    """The service root with a trailing slash, whether or not the user typed the OData path."""
    url = base_url.strip().rstrip("/")
    if not url.endswith(SERVICE_PATH):
        url += SERVICE_PATH
    return url + "/"


def error_code(error: ConnectorError) -> tuple[str | None, str | None]:
    """1C's own error code and text from an ``odata.error`` body, when there is one."""
    try:
        body = httpx.Response(200, content=(error.body or "").encode()).json()
        problem = body["odata.error"]
        return str(problem["code"]), str(problem["message"]["value"])
    except (ValueError, KeyError, TypeError):
        return None, None


def _describe(response: httpx.Response) -> str | None:
    try:
        problem = response.json()["odata.error"]
        return f"1C error {problem['code']}: {problem['message']['value']}"
    except (ValueError, KeyError, TypeError):
        title = re.search(r"<title>(.*?)</title>", response.text[:2000], re.IGNORECASE | re.DOTALL)
        return title.group(1).strip() if title else None


class MissingField(RequestRejected):
    """The base has no such attribute (1C: 400, code 6, «Сегмент пути … не найден!»)."""

    def __init__(self, message: str, *, field_name: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.field_name = field_name


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int | None = None
    skip: int = 0
    missing: list[str] = field(default_factory=list)


def _query(params: Iterable[tuple[str, str | None]]) -> str:
    return "&".join(f"{name}={quote(value, safe=_QUERY_SAFE)}" for name, value in params if value)


class OneCClient:
    """One 1C base. Use as a context manager so the HTTP connection pool is closed.

    Args:
        settings: the connection's settings.
        password: the connection's secret.
        throttle_key: names the account for the client-side rate limit (``settings.rate_limit``).
        throttle_storage: the ``limits`` storage shared by worker processes.
        transport: an httpx transport, for callers that route requests themselves.
        retry: how a failing call is retried (four tries with backoff by default).
    """

    def __init__(
        self,
        settings: OneCSettings,
        password: str,
        *,
        throttle_key: str | None = None,
        throttle_storage: str = "memory://",
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.url = service_url(settings.base_url)
        self.timeout = settings.timeout_seconds
        throttle = None
        if settings.rate_limit:
            key = throttle_key or self.url
            throttle = Throttle(settings.rate_limit, key, throttle_storage)
        self._http = build_client(
            self.url,
            auth=httpx.BasicAuth(settings.username, password),
            timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
            headers={"Accept": "application/json"},
            transport=transport,
        )
        self.api = Requester(
            self._http,
            system="1C",
            retry=retry or RetryPolicy(attempts=4, initial_wait=1.0, max_wait=30.0),
            throttle=throttle,
            describe=_describe,
        )

    def __enter__(self) -> OneCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- reads ---

    def collection(
        self,
        entity_set: str,
        *,
        select: Sequence[str],
        filter: str | None = None,
        orderby: str | None = None,
        expand: Sequence[str] = (),
        top: int | None = None,
        skip: int = 0,
        count: bool = False,
    ) -> Page:
        """One page of a catalog or document set."""
        query = _query(
            [
                ("$format", "json"),
                ("$select", ",".join(select)),
                ("$expand", ",".join(expand)),
                ("$filter", filter),
                ("$orderby", orderby),
                ("$top", None if top is None else str(top)),
                ("$skip", str(skip) if skip else None),
                ("$inlinecount", "allpages" if count else None),
            ]
        )
        return self._page(f"{entity_set}?{query}", entity_set, skip, top)

    def balance(
        self,
        register: str,
        *,
        dimensions: Sequence[str],
        select: Sequence[str],
        condition: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        skip: int = 0,
        count: bool = False,
    ) -> Page:
        """One page of an accumulation register's ``Balance`` virtual table (current balances)."""
        args = [f"Dimensions='{','.join(dimensions)}'"]
        if condition:
            # Quotes inside Condition are not doubled: the form 1C is known to accept.
            args.insert(0, f"Condition='{condition}'")
        call = quote(",".join(args), safe="")
        query = _query(
            [
                ("$format", "json"),
                ("$select", ",".join(select)),
                ("$orderby", orderby),
                ("$top", None if top is None else str(top)),
                ("$skip", str(skip) if skip else None),
                ("$inlinecount", "allpages" if count else None),
            ]
        )
        timeout = httpx.Timeout(self.timeout * BALANCE_TIMEOUT_FACTOR, connect=10.0)
        return self._page(f"{register}/Balance({call})?{query}", register, skip, top, timeout)

    def probe(self, entity_set: str) -> None:
        """Read one key of a set: proves the URL, the login and that the set is published."""
        self.collection(entity_set, select=["Ref_Key"], top=1)

    def probe_balance(self, register: str, dimensions: Sequence[str]) -> None:
        self.balance(register, dimensions=dimensions, select=[f"{dimensions[0]}_Key"], top=1)

    def _page(
        self,
        url: str,
        entity_set: str,
        skip: int,
        top: int | None,
        timeout: httpx.Timeout | None = None,
    ) -> Page:
        extra = {"timeout": timeout} if timeout else {}
        try:
            response = self.api.get(url, **extra)
        except ConnectorError as exc:
            raise self._explain(exc, entity_set) from exc
        try:
            body = response.json()
            rows = body["value"]
            if not isinstance(rows, list):
                raise TypeError("value is not a list")
        except (ValueError, KeyError, TypeError):
            raise InvalidResponse(
                f"{self.url} answered, but not as the 1C OData interface "
                f"({response.headers.get('content-type', 'no content type')}): check the base "
                "URL points at the publication and that standard OData is published",
                status_code=response.status_code,
                url=str(response.request.url),
            ) from None
        if top is not None and len(rows) > top:
            rows = rows[:top]  # should $inlinecount make 1C ignore $top, stay on our page size
        count = body.get("odata.count")
        total = int(count) if isinstance(count, str | int) and str(count).isdigit() else None
        return Page(rows, total, skip)

    # --- failures worded for a person ---

    def _explain(self, exc: ConnectorError, entity_set: str) -> ConnectorError:
        code, text = error_code(exc)
        login = self.settings.username
        if isinstance(exc, AuthenticationFailed):
            message = (
                f"1C rejected the login «{login}» (HTTP 401): check the login and password of "
                "the connection, and that this user may use the OData interface"
            )
        elif isinstance(exc, AccessDenied) or code == "20":
            message = (
                f"1C refused access to {entity_set} for «{login}»: grant the user the right "
                "to read it"
            )
        elif isinstance(exc, ResourceNotFound) and code == "6":
            message = (
                f"{entity_set} is not published in the OData composition of this base: add it "
                "in 1C («Настройка стандартного интерфейса OData»), then test again"
            )
        elif isinstance(exc, ResourceNotFound):
            message = (
                f"Nothing at {self.url}: check the base URL (the publication address, e.g. "
                "https://server/ut11) and that the standard OData interface is published"
            )
        elif isinstance(exc, RequestRejected) and code == "6" and text:
            found = _MISSING_SEGMENT.search(text)
            name = found.group(1) if found else "?"
            return MissingField(
                f"1C has no attribute {name} in {entity_set} ({text})",
                field_name=name,
                status_code=exc.status_code,
                url=exc.url,
                body=exc.body,
            )
        elif isinstance(exc, TimedOut):
            message = (
                f"1C did not answer within {self.timeout:g} s ({entity_set}): the base may be "
                "busy or asleep; try again, or raise the connection's timeout"
            )
        elif isinstance(exc, Unreachable):
            reason = exc.message.split(": ", 1)[-1]
            message = f"Cannot reach {self.url}: {reason}; check the base URL and the network"
        else:
            return exc
        return _reworded(exc, message)


def _reworded(exc: E, message: str) -> E:
    return type(exc)(
        message,
        status_code=exc.status_code,
        url=exc.url,
        detail=exc.detail,
        body=exc.body,
        retry_after=exc.retry_after,
    )
