"""Typed calls to Allegro's order API (reference A.2, A.5, A.6)."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from ihub.connectors.allegro.errors import describe
from ihub.connectors.allegro.spec import AllegroSettings, endpoints
from ihub.kit.http import (
    AuthenticationFailed,
    InvalidResponse,
    RateLimited,
    Requester,
    ResourceNotFound,
    RetryPolicy,
    Throttle,
    build_client,
)

__all__ = [
    "BLOCK_SECONDS",
    "FORMS_PAGE_MAX",
    "MAX_RESULT_WINDOW",
    "MEDIA_TYPE",
    "AllegroApi",
    "EventStats",
    "FormsPage",
    "JournalEvent",
    "TokenSource",
    "api_requester",
    "as_object",
    "parse_time",
]

MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
EVENTS_PAGE_MAX = 1000
FORMS_PAGE_MAX = 100
MAX_RESULT_WINDOW = 10_000  # offset + limit on any listing (A.6)
# A client over its budget is blocked for a minute and gets no Retry-After (A.3): once the
# quick retries are spent, the run as a whole waits that long.
BLOCK_SECONDS = 60.0
API_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class TokenSource(Protocol):
    """Hands out the seller's access token; thread-safe."""

    def access_token(self) -> str: ...

    def refresh_after(self, rejected: str) -> str:
        """A token other than ``rejected`` (which Allegro answered 401 to)."""
        ...


@dataclass(frozen=True)
class JournalEvent:
    id: str
    type: str
    occurred_at: datetime
    form_id: str | None
    revision: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class EventStats:
    latest_event_id: str | None
    server_time: datetime | None


@dataclass(frozen=True)
class FormsPage:
    forms: list[dict[str, Any]]
    total_count: int


def as_object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: optional parts may be null."""
    return value if isinstance(value, dict) else {}


def parse_time(value: Any) -> datetime | None:
    """Allegro's ISO 8601 times (``2026-10-10T20:24:28.005Z``) as aware UTC datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _event(raw: Any) -> JournalEvent:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str | int):
        raise InvalidResponse("Allegro sent an order event without an id")
    occurred = parse_time(raw.get("occurredAt"))
    if occurred is None:
        raise InvalidResponse(f"Allegro sent order event {raw['id']} without occurredAt")
    form = as_object(as_object(raw.get("order")).get("checkoutForm"))
    return JournalEvent(
        id=str(raw["id"]),
        type=str(raw.get("type") or "UNKNOWN"),
        occurred_at=occurred,
        form_id=str(form["id"]) if form.get("id") else None,
        revision=str(form["revision"]) if form.get("revision") else None,
        raw=raw,
    )


def api_requester(
    settings: AllegroSettings,
    *,
    throttle: Throttle | None = None,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Requester:
    client = build_client(
        endpoints(settings).api_url,
        timeout=API_TIMEOUT,
        headers={"Accept": MEDIA_TYPE},
        transport=transport,
    )
    return Requester(
        client,
        system="Allegro",
        retry=retry or RetryPolicy(attempts=4, initial_wait=1.0, max_wait=10.0),
        throttle=throttle,
        describe=describe,
    )


class AllegroApi:
    """The seller's order data. Every call carries the seller's bearer token; a 401 gets one
    refreshed token and one more try."""

    def __init__(self, requester: Requester, tokens: TokenSource) -> None:
        self.requester = requester
        self.tokens = tokens

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        token = self.tokens.access_token()
        try:
            try:
                return self._send(path, params, token)
            except AuthenticationFailed:
                return self._send(path, params, self.tokens.refresh_after(token))
        except RateLimited as exc:
            exc.retry_after = exc.retry_after or BLOCK_SECONDS
            raise

    def _send(self, path: str, params: Mapping[str, Any] | None, token: str) -> httpx.Response:
        return self.requester.get(path, params=params, headers={"Authorization": f"Bearer {token}"})

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise InvalidResponse(
                f"Allegro answered {response.request.url.path} with something other than JSON",
                url=str(response.request.url),
            )
        return body

    def event_stats(self) -> EventStats:
        """Where the journal ends now, and the server's clock (its ``Date`` header)."""
        response = self._get("/order/event-stats")
        latest = self._json(response).get("latestEvent")
        date = response.headers.get("date")
        server_time = email.utils.parsedate_to_datetime(date) if date else None
        return EventStats(
            latest_event_id=str(latest["id"])
            if isinstance(latest, dict) and latest.get("id")
            else None,
            server_time=server_time.astimezone(UTC) if server_time else None,
        )

    def events(self, after: str | None, limit: int = EVENTS_PAGE_MAX) -> list[JournalEvent]:
        """Journal events after ``after`` (exclusive), oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["from"] = after
        events = self._json(self._get("/order/events", params)).get("events")
        if not isinstance(events, list):
            raise InvalidResponse("Allegro's /order/events answer has no events list")
        return [_event(raw) for raw in events]

    def checkout_forms(
        self,
        *,
        offset: int = 0,
        limit: int = FORMS_PAGE_MAX,
        updated_gte: datetime | None = None,
        sort: str = "updatedAt",
    ) -> FormsPage:
        params: dict[str, Any] = {"offset": offset, "limit": limit, "sort": sort}
        if updated_gte is not None:
            params["updatedAt.gte"] = (
                updated_gte.astimezone(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z")
            )
        body = self._json(self._get("/order/checkout-forms", params))
        forms = body.get("checkoutForms")
        if not isinstance(forms, list):
            raise InvalidResponse("Allegro's /order/checkout-forms answer has no checkoutForms")
        total = body.get("totalCount")
        return FormsPage(
            forms=[f for f in forms if isinstance(f, dict)],
            total_count=total if isinstance(total, int) else len(forms),
        )

    def checkout_form(self, form_id: str) -> dict[str, Any] | None:
        """One checkout form; None when Allegro does not know it (merged or not this seller's)."""
        try:
            return self._json(self._get(f"/order/checkout-forms/{form_id}"))
        except ResourceNotFound:
            return None
