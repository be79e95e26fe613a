"""What Allegro runs share: the opened connection, its API client, its schedule and its
status. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from ihub import webhooks
from ihub.allegro.schemas import AuthorizationRead
from ihub.audit.actor import SYSTEM, Actor
from ihub.config import get_settings
from ihub.connections import service as connections
from ihub.connections.kinds import ALLEGRO
from ihub.connections.service import OpenConnection
from ihub.connectors.allegro.auth import AllegroOAuth, oauth_requester
from ihub.connectors.allegro.client import AllegroApi, api_requester
from ihub.connectors.allegro.errors import RefreshTokenRejected
from ihub.errors import NotFound, Unprocessable
from ihub.kit.http import Throttle
from ihub.logs import service as logs
from ihub.models import Connection, ConnectionStatus, Run, RunStatus, Schedule
from ihub.oauth import service as oauth
from ihub.oauth.keeper import TokenKeeper
from ihub.runs import service as runs
from ihub.runs.repository import RunRepository
from ihub.schedules import service as schedules
from ihub.schedules.repository import ScheduleRepository
from ihub.schedules.schemas import ScheduleCreate, ScheduleUpdate
from ihub.tenants import service as tenants

SYNC_KIND = "allegro.orders"
AUTHORIZE_KIND = "allegro.authorize"
SYSTEM_NAME = "allegro"


def open_connection(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID
) -> OpenConnection:
    return connections.open_connection(session, tenant_id, connection_id, kind=ALLEGRO)


def oauth_client(opened: OpenConnection) -> AllegroOAuth:
    secret = opened.secrets.client_secret.get_secret_value()
    return AllegroOAuth(oauth_requester(opened.settings, secret), opened.settings.client_id)


@contextmanager
def api_client(opened: OpenConnection, tenant_id: uuid.UUID) -> Iterator[AllegroApi]:
    """The seller's API: tokens from the keeper, requests within the Client ID's budget.

    Allegro's limit is per Client ID (A.3), so every connection using one application
    shares one window, across workers when the limit storage is Redis.
    """
    settings = get_settings()
    oauth = oauth_client(opened)
    keeper = TokenKeeper(tenant_id, opened.id, oauth.refresh, rejected=(RefreshTokenRejected,))
    throttle = Throttle(
        settings.allegro_rate_limit,
        key=f"allegro:{opened.settings.client_id}",
        storage_url=settings.rate_limit_storage_url,
    )
    requester = api_requester(opened.settings, throttle=throttle)
    with oauth.requester.client, requester.client:
        yield AllegroApi(requester, keeper)


def _sync_schedules(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID
) -> list[Schedule]:
    repository = ScheduleRepository(session, tenant_id)
    return list(
        repository.list(
            repository.select(Schedule.kind == SYNC_KIND, Schedule.connection_id == connection_id)
        )
    )


def ensure_sync_schedule(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID, name: str
) -> Schedule:
    """The connection's order sync schedule, created or switched back on."""
    existing = _sync_schedules(session, tenant_id, connection_id)
    if existing:
        for schedule in existing:
            if not schedule.enabled:
                schedules.update_schedule(
                    session, tenant_id, SYSTEM, schedule.id, ScheduleUpdate(enabled=True)
                )
        return existing[0]
    return schedules.create_schedule(
        session,
        tenants.get_tenant(session, tenant_id),
        SYSTEM,
        ScheduleCreate(
            name=f"Allegro orders: {name}"[:200],
            kind=SYNC_KIND,
            connection_id=connection_id,
            cron=get_settings().allegro_sync_cron,
        ),
    )


def _announce_needs_attention(
    session: Session, tenant_id: uuid.UUID, connection: Connection
) -> None:
    """``connection.needs_attention`` to webhook subscribers, in this transaction."""
    webhooks.emit(
        session,
        tenant_id,
        "connection.needs_attention",
        {
            "connection_id": connection.id,
            "system": SYSTEM_NAME,
            "name": connection.name,
            "status": connection.status.value,
            "reason": connection.last_error,
        },
    )


def needs_reauthorization(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID, reason: str
) -> None:
    """Flag the connection and pause its syncs: nothing can be read until someone
    authorizes it again, so failing every five minutes would only add noise."""
    connection = connections.get_connection(session, tenant_id, connection_id)
    first_time = connection.status != ConnectionStatus.needs_reauthorization
    connection.status = ConnectionStatus.needs_reauthorization
    connection.last_error = reason
    for schedule in _sync_schedules(session, tenant_id, connection_id):
        if schedule.enabled:
            schedules.update_schedule(
                session, tenant_id, SYSTEM, schedule.id, ScheduleUpdate(enabled=False)
            )
    if first_time:
        logs.write(
            session,
            tenant_id,
            system=SYSTEM_NAME,
            step="authorization",
            status="needs_reauthorization",
            level="error",
            message=f"{connection.name}: {reason} Order syncs are paused until then.",
        )
        _announce_needs_attention(session, tenant_id, connection)


def needs_attention(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID, reason: str
) -> None:
    connection = connections.get_connection(session, tenant_id, connection_id)
    first_time = connection.status != ConnectionStatus.needs_attention
    connections.mark_failed(connection, reason)
    if first_time:
        _announce_needs_attention(session, tenant_id, connection)


def working(session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> None:
    connections.mark_ok(connections.get_connection(session, tenant_id, connection_id))


def latest_authorization(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID
) -> Run | None:
    repository = RunRepository(session, tenant_id)
    stmt = repository.search(kind=AUTHORIZE_KIND, connection_id=connection_id).limit(1)
    return next(iter(repository.list(stmt)), None)


def authorization(session: Session, connection: Connection) -> AuthorizationRead:
    """The connection's latest authorization: pending, completed, failed or expired."""
    if connection.kind != ALLEGRO:
        raise Unprocessable(f"{connection.name!r} is not an Allegro connection.")
    run = latest_authorization(session, connection.tenant_id, connection.id)
    if run is None:
        raise NotFound("This connection has not been authorized yet; POST …/authorize starts it.")
    return authorization_document(session, run, connection)


def authorization_document(
    session: Session, run: Run, connection: Connection | None = None
) -> AuthorizationRead:
    """The authorization ``run`` describes; ``connection`` is its connection, when loaded."""
    assert run.connection_id is not None
    if connection is None:
        connection = connections.get_connection(session, run.tenant_id, run.connection_id)
    token = oauth.get_token(session, run.tenant_id, run.connection_id)
    if not run.status.is_terminal:
        status = "pending"
    elif run.status == RunStatus.completed:
        status = "completed"
    else:
        status = "expired" if run.result.get("outcome") == "expired" else "failed"
    return AuthorizationRead(
        status=status,
        reason=run.error if status in ("failed", "expired") else None,
        user_code=run.params["user_code"],
        verification_uri=run.params["verification_uri"],
        verification_uri_complete=run.params["verification_uri_complete"],
        expires_at=run.params["expires_at"],
        run_id=run.id,
        started_at=run.created_at,
        finished_at=run.finished_at,
        account_id=token.account_id if token is not None else None,
        connection_status=connection.status,
    )


def start_sync(
    session: Session, tenant_id: uuid.UUID, actor: Actor, connection_id: uuid.UUID
) -> Run:
    return runs.create_run(
        session, tenant_id, SYNC_KIND, {}, actor=actor, trigger="api", connection_id=connection_id
    )
