from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from ihub.kit.repository import TenantRepository
from ihub.models import (
    MessageStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)


class EndpointRepository(TenantRepository[WebhookEndpoint]):
    model = WebhookEndpoint

    def search(self) -> Select[WebhookEndpoint]:
        return self.select().order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)

    def subscribed(self, event_type: str) -> list[WebhookEndpoint]:
        """Enabled endpoints that want ``event_type``; a tenant has few, so filter here."""
        enabled = self.list(self.select(WebhookEndpoint.enabled.is_(True)))
        return [e for e in enabled if not e.event_types or event_type in e.event_types]


class EventRepository(TenantRepository[WebhookEvent]):
    model = WebhookEvent


class MessageRepository(TenantRepository[WebhookMessage]):
    model = WebhookMessage

    def for_endpoint(
        self,
        endpoint_id: uuid.UUID,
        *,
        status: Sequence[MessageStatus] = (),
        event_type: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[WebhookMessage]:
        stmt = self.select(WebhookMessage.endpoint_id == endpoint_id)
        if status:
            stmt = stmt.where(WebhookMessage.status.in_(status))
        if event_type:
            stmt = stmt.where(WebhookMessage.event_type == event_type)
        if since:
            stmt = stmt.where(WebhookMessage.created_at >= since)
        if until:
            stmt = stmt.where(WebhookMessage.created_at < until)
        return stmt.order_by(WebhookMessage.created_at.desc(), WebhookMessage.id)

    def payload(self, message: WebhookMessage) -> str:
        stmt = select(WebhookEvent.payload).where(
            WebhookEvent.tenant_id == self.tenant_id, WebhookEvent.id == message.event_id
        )
        return self.session.scalars(stmt).one()

    def _set(self, where: list[ColumnElement[bool]], **values: Any) -> int:
        result = self.session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.tenant_id == self.tenant_id, *where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def park_pending(self, endpoint_id: uuid.UUID, reason: str) -> int:
        """Waiting messages of a disabled endpoint fail now; ``recover`` brings them back."""
        return self._set(
            [
                WebhookMessage.endpoint_id == endpoint_id,
                WebhookMessage.status == MessageStatus.pending,
            ],
            status=MessageStatus.failed,
            next_attempt_at=None,
            last_error=reason,
        )

    def requeue_failed(
        self, endpoint_id: uuid.UUID, since: datetime, until: datetime | None, now: datetime
    ) -> int:
        where = [
            WebhookMessage.endpoint_id == endpoint_id,
            WebhookMessage.status == MessageStatus.failed,
            WebhookMessage.created_at >= since,
        ]
        if until is not None:
            where.append(WebhookMessage.created_at < until)
        return self._set(where, status=MessageStatus.pending, next_attempt_at=now, schedule_step=0)


class AttemptRepository(TenantRepository[WebhookAttempt]):
    model = WebhookAttempt

    def for_message(self, message_id: uuid.UUID) -> Select[WebhookAttempt]:
        return self.select(WebhookAttempt.message_id == message_id).order_by(
            WebhookAttempt.id.desc()
        )


def due(now: datetime) -> ColumnElement[bool]:
    """Waiting and due, or claimed by a dispatcher that did not finish within its lease."""
    return or_(
        and_(WebhookMessage.status == MessageStatus.pending, WebhookMessage.next_attempt_at <= now),
        and_(WebhookMessage.status == MessageStatus.sending, WebhookMessage.locked_until < now),
    )


class DispatchQueries:
    """Unscoped queries for the dispatcher, which delivers for every tenant.

    Lock order, to stay free of deadlocks on PostgreSQL: endpoints (by id), then messages.
    Claims only ever skip locked rows; they never wait.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def anything_due(self, now: datetime) -> bool:
        return (
            self.session.scalars(select(WebhookMessage.id).where(due(now)).limit(1)).first()
            is not None
        )

    def lock_claimable_endpoints(self, now: datetime) -> dict[uuid.UUID, int]:
        """Enabled endpoints with a due message that no other dispatcher is claiming for,
        each with its number of deliveries in flight.

        The per-endpoint subqueries are index probes, so the cost grows with the number of
        endpoints, not with the backlog.
        """
        endpoint = WebhookEndpoint.id
        first_due = (
            select(WebhookMessage.id)
            .where(WebhookMessage.endpoint_id == endpoint, due(now))
            .limit(1)
            .scalar_subquery()
        )
        in_flight = (
            select(func.count())
            .where(
                WebhookMessage.endpoint_id == endpoint,
                WebhookMessage.status == MessageStatus.sending,
                WebhookMessage.locked_until >= now,
            )
            .scalar_subquery()
        )
        stmt = (
            select(endpoint, in_flight)
            .where(WebhookEndpoint.enabled.is_(True), first_due.is_not(None))
            .with_for_update(of=WebhookEndpoint, key_share=True, skip_locked=True)
        )
        return {endpoint_id: int(count) for endpoint_id, count in self.session.execute(stmt)}

    def due_ids(self, endpoint_id: uuid.UUID, now: datetime, limit: int) -> list[uuid.UUID]:
        stmt = (
            select(WebhookMessage.id)
            .where(WebhookMessage.endpoint_id == endpoint_id, due(now))
            .order_by(WebhookMessage.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def mark_sending(self, message_ids: Sequence[uuid.UUID], locked_until: datetime) -> None:
        self.session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.id.in_(message_ids))
            .values(
                status=MessageStatus.sending,
                locked_until=locked_until,
                attempts=WebhookMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )

    def jobs(self, message_ids: Sequence[uuid.UUID]) -> Sequence[Any]:
        """What a delivery needs, as plain rows: message, endpoint and the event's body."""
        stmt = (
            select(
                WebhookMessage.id,
                WebhookMessage.attempts,
                WebhookMessage.event_id,
                WebhookEndpoint.id.label("endpoint_id"),
                WebhookEndpoint.url,
                WebhookEndpoint.secret,
                WebhookEndpoint.previous_secret,
                WebhookEndpoint.previous_secret_expires_at,
                WebhookEvent.payload,
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookMessage.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookMessage.event_id)
            .where(WebhookMessage.id.in_(message_ids))
        )
        return self.session.execute(stmt).all()

    def lock_for_results(
        self, endpoint_ids: set[uuid.UUID], message_ids: set[uuid.UUID]
    ) -> tuple[dict[uuid.UUID, WebhookEndpoint], dict[uuid.UUID, WebhookMessage]]:
        endpoints = self.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(endpoint_ids))
            .order_by(WebhookEndpoint.id)
            .with_for_update(key_share=True)
        )
        messages = self.session.scalars(
            select(WebhookMessage)
            .where(WebhookMessage.id.in_(message_ids))
            .order_by(WebhookMessage.id)
            .with_for_update()
        )
        return {e.id: e for e in endpoints}, {m.id: m for m in messages}
