"""``emit``: the one call domain code makes to tell subscribers that something happened.

It writes an event and one message per subscribed endpoint in the caller's transaction, so an
event exists exactly when the change that caused it committed. Workers are nudged after the
commit; if that nudge is lost, the periodic dispatch finds the messages anyway.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import pydantic_core
import structlog
from sqlalchemy.orm import Session

from ihub import celery_app
from ihub.celery_app import WEBHOOKS_TASK
from ihub.config import get_settings
from ihub.db import after_commit
from ihub.kit.clock import utcnow
from ihub.models import MessageStatus, WebhookEndpoint, WebhookEvent, WebhookMessage
from ihub.webhooks.catalog import get_event_type
from ihub.webhooks.repository import EndpointRepository

__all__ = ["emit", "nudge", "nudge_later", "publish"]

log = structlog.get_logger(__name__)


def emit(session: Session, tenant_id: uuid.UUID, type: str, data: dict[str, Any]) -> None:
    """Queue event ``type`` with ``data`` for every endpoint of the tenant that subscribed to it.

    ``type`` must be in the catalog and ``data`` JSON-serialisable (UUIDs, datetimes and
    decimals are fine); a body above ``IHUB_WEBHOOKS_MAX_PAYLOAD_BYTES`` is a ``ValueError``.
    With no subscriber nothing is written.
    """
    get_event_type(type)
    endpoints = EndpointRepository(session, tenant_id).subscribed(type)
    if endpoints:
        publish(session, tenant_id, type, data, endpoints)


def publish(
    session: Session,
    tenant_id: uuid.UUID,
    type: str,
    data: dict[str, Any],
    endpoints: Sequence[WebhookEndpoint],
) -> list[WebhookMessage]:
    """Write the event and its messages to exactly these endpoints."""
    now = utcnow()
    event = WebhookEvent(
        id=uuid.uuid4(), tenant_id=tenant_id, type=type, created_at=now, payload=_body(type, data)
    )
    session.add(event)
    messages = [
        WebhookMessage(
            tenant_id=tenant_id,
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_type=type,
            status=MessageStatus.pending,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    session.add_all(messages)
    after_commit(session, nudge)  # the nudger folds a burst of these into one or two
    return messages


def _body(type: str, data: dict[str, Any]) -> str:
    """The body every attempt sends and signs, serialised once, here."""
    timestamp = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = pydantic_core.to_json({"type": type, "timestamp": timestamp, "data": data}).decode()
    limit = get_settings().webhooks_max_payload_bytes
    if len(body.encode()) > limit:
        raise ValueError(f"{type} payload is {len(body.encode())} bytes; the limit is {limit}")
    return body


class _Nudger:
    """Sends the dispatch task at most once per ``gap`` seconds in this process.

    A nudge is never dropped, only delayed until the gap ends, so every commit is followed by
    a dispatch; a burst of commits costs one broker message instead of one each.
    """

    def __init__(self, gap: float) -> None:
        self._gap = gap
        self._lock = threading.Lock()
        self._last = 0.0
        self._timer: threading.Timer | None = None

    def __call__(self) -> None:
        with self._lock:
            if self._timer is not None:
                return  # one is already on its way
            wait = self._last + self._gap - time.monotonic()
            if wait > 0:
                self._timer = threading.Timer(wait, self._fire)
                self._timer.daemon = True
                self._timer.start()
                return
            self._last = time.monotonic()
        _send()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        _send()


def _send(countdown: float | None = None) -> None:
    try:
        celery_app.send(WEBHOOKS_TASK, countdown=countdown)
    except Exception:
        # The periodic dispatch still finds the messages; nothing is lost, only later.
        log.exception("webhook_nudge_failed")


nudge = _Nudger(gap=0.05)


def nudge_later(seconds: float) -> None:
    """Ask for a dispatch once a short retry delay has passed (the periodic one is slower)."""
    _send(countdown=seconds)
