"""Endpoints, their secrets, the message log, resend and recover. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ihub import audit
from ihub.audit.actor import Actor
from ihub.config import get_settings
from ihub.db import after_commit
from ihub.errors import Conflict, NotFound
from ihub.kit.clock import utcnow
from ihub.kit.pagination import PageParams
from ihub.models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from ihub.webhooks.catalog import PING
from ihub.webhooks.events import emit, nudge, publish
from ihub.webhooks.repository import AttemptRepository, EndpointRepository, MessageRepository
from ihub.webhooks.schemas import EndpointCreate, EndpointUpdate
from ihub.webhooks.signing import new_secret, seal

_AUDITED = ("url", "description", "event_types", "enabled")


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {field: getattr(endpoint, field) for field in _AUDITED}


def create_endpoint(
    session: Session, tenant_id: uuid.UUID, actor: Actor, data: EndpointCreate
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its signing secret, which is never shown again."""
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        url=str(data.url),
        description=data.description,
        event_types=data.event_types,
        enabled=data.enabled,
    )
    endpoint.secret = seal(endpoint.id, secret)
    EndpointRepository(session, tenant_id).add(endpoint)
    audit.record(
        session,
        tenant_id,
        actor,
        "webhook_endpoint.created",
        "webhook_endpoint",
        endpoint.id,
        _snapshot(endpoint),
    )
    return endpoint, secret


def get_endpoint(session: Session, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = EndpointRepository(session, tenant_id).get(endpoint_id)
    if endpoint is None:
        raise NotFound("Webhook endpoint not found.")
    return endpoint


def list_endpoints(
    session: Session, tenant_id: uuid.UUID, params: PageParams
) -> tuple[Sequence[WebhookEndpoint], int]:
    repository = EndpointRepository(session, tenant_id)
    return repository.page(repository.search(), params)


def update_endpoint(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    endpoint_id: uuid.UUID,
    data: EndpointUpdate,
) -> WebhookEndpoint:
    endpoint = get_endpoint(session, tenant_id, endpoint_id)
    before = _snapshot(endpoint)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        changes["url"] = str(data.url)
    enabled = changes.pop("enabled", endpoint.enabled)
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if enabled and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.failing_since = None
    elif not enabled and endpoint.enabled:
        disable_endpoint(session, endpoint, f"Disabled by {actor.label}.", announce=False)
    audit.record(
        session,
        tenant_id,
        actor,
        "webhook_endpoint.updated",
        "webhook_endpoint",
        endpoint.id,
        audit.diff(before, _snapshot(endpoint)),
    )
    return endpoint


def delete_endpoint(
    session: Session, tenant_id: uuid.UUID, actor: Actor, endpoint_id: uuid.UUID
) -> None:
    """Its messages and attempts go with it."""
    endpoint = get_endpoint(session, tenant_id, endpoint_id)
    EndpointRepository(session, tenant_id).delete(endpoint)
    audit.record(
        session,
        tenant_id,
        actor,
        "webhook_endpoint.deleted",
        "webhook_endpoint",
        endpoint_id,
        {"url": endpoint.url},
    )


def rotate_secret(
    session: Session, tenant_id: uuid.UUID, actor: Actor, endpoint_id: uuid.UUID
) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown once; the old one keeps signing for ``IHUB_WEBHOOKS_ROTATION_HOURS``
    so receivers can switch without missing a delivery."""
    endpoint = get_endpoint(session, tenant_id, endpoint_id)
    window = timedelta(hours=get_settings().webhooks_rotation_hours)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret if window else None
    endpoint.previous_secret_expires_at = utcnow() + window if window else None
    endpoint.secret = seal(endpoint.id, secret)
    audit.record(
        session,
        tenant_id,
        actor,
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint",
        endpoint.id,
        {"previous_secret_expires_at": endpoint.previous_secret_expires_at},
    )
    return endpoint, secret


def disable_endpoint(
    session: Session, endpoint: WebhookEndpoint, reason: str, *, announce: bool = True
) -> None:
    """Stop sending to ``endpoint``: its waiting messages fail (``recover`` brings them back).

    ``announce`` emits ``webhook.endpoint_disabled`` to the tenant's other endpoints; ihub does
    that when it gives up on an endpoint by itself.
    """
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:500]
    MessageRepository(session, endpoint.tenant_id).park_pending(
        endpoint.id, f"Not sent: the endpoint was disabled. {reason}"
    )
    if announce:
        emit(
            session,
            endpoint.tenant_id,
            "webhook.endpoint_disabled",
            {
                "endpoint_id": endpoint.id,
                "url": endpoint.url,
                "reason": reason,
                "failing_since": endpoint.failing_since,
            },
        )


def send_test(
    session: Session, tenant_id: uuid.UUID, actor: Actor, endpoint_id: uuid.UUID
) -> WebhookMessage:
    """Queue a ``webhook.ping`` to this endpoint only, whatever event types it picked."""
    endpoint = _enabled(get_endpoint(session, tenant_id, endpoint_id))
    data = {"endpoint_id": endpoint.id, "message": "ping", "sent_by": actor.label}
    (message,) = publish(session, tenant_id, PING, data, [endpoint])
    session.flush()
    return message


def get_message(session: Session, tenant_id: uuid.UUID, message_id: uuid.UUID) -> WebhookMessage:
    message = MessageRepository(session, tenant_id).get(message_id)
    if message is None:
        raise NotFound("Webhook message not found.")
    return message


def message_payload(session: Session, message: WebhookMessage) -> str:
    return MessageRepository(session, message.tenant_id).payload(message)


def list_messages(
    session: Session,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    params: PageParams,
    **filters: Any,
) -> tuple[Sequence[WebhookMessage], int]:
    get_endpoint(session, tenant_id, endpoint_id)
    repository = MessageRepository(session, tenant_id)
    return repository.page(repository.for_endpoint(endpoint_id, **filters), params)


def list_attempts(
    session: Session, tenant_id: uuid.UUID, message_id: uuid.UUID, params: PageParams
) -> tuple[Sequence[WebhookAttempt], int]:
    get_message(session, tenant_id, message_id)
    repository = AttemptRepository(session, tenant_id)
    return repository.page(repository.for_message(message_id), params)


def resend(
    session: Session, tenant_id: uuid.UUID, actor: Actor, message_id: uuid.UUID
) -> WebhookMessage:
    """Send a message again now, with the same ``webhook-id`` and a fresh retry schedule."""
    message = get_message(session, tenant_id, message_id)
    _enabled(get_endpoint(session, tenant_id, message.endpoint_id))
    if message.status == MessageStatus.sending:
        raise Conflict("The message is being sent right now; wait for the attempt to finish.")
    message.status = MessageStatus.pending
    message.next_attempt_at = utcnow()
    message.schedule_step = 0
    audit.record(
        session,
        tenant_id,
        actor,
        "webhook_message.resent",
        "webhook_message",
        message.id,
        {"event_type": message.event_type},
    )
    after_commit(session, nudge)
    return message


def recover(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    endpoint_id: uuid.UUID,
    since: datetime,
    until: datetime | None = None,
) -> int:
    """Send every failed message of the endpoint created in [since, until) again."""
    endpoint = _enabled(get_endpoint(session, tenant_id, endpoint_id))
    count = MessageRepository(session, tenant_id).requeue_failed(
        endpoint.id, since, until, utcnow()
    )
    audit.record(
        session,
        tenant_id,
        actor,
        "webhook_endpoint.recovered",
        "webhook_endpoint",
        endpoint.id,
        {"since": since, "until": until, "messages": count},
    )
    if count:
        after_commit(session, nudge)
    return count


def _enabled(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    if not endpoint.enabled:
        raise Conflict("The endpoint is disabled; enable it first.")
    return endpoint
