"""Allegro's actions on a connection: authorize (device flow), its state, sync now."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from ihub.allegro import service
from ihub.allegro.authorize import start_authorization
from ihub.allegro.schemas import AuthorizationRead
from ihub.connections import service as connections
from ihub.db import SessionDep
from ihub.runs import service as runs
from ihub.runs.schemas import RunRead
from ihub.tenants.auth import Admin, Operator, Viewer

router = APIRouter(prefix="/connections", tags=["allegro"])


@router.post("/{connection_id}/authorize", response_model=AuthorizationRead, status_code=202)
def authorize(principal: Admin, session: SessionDep, connection_id: uuid.UUID) -> AuthorizationRead:
    """Start the device flow: show the seller ``user_code`` and ``verification_uri_complete``;
    ihub polls Allegro until the seller approves or refuses, or the code expires. A pending
    authorization is returned as it is."""
    run = start_authorization(session, principal.tenant_id, principal.actor, connection_id)
    return service.authorization_document(session, run)


@router.get("/{connection_id}/authorization", response_model=AuthorizationRead)
def authorization(
    principal: Viewer, session: SessionDep, connection_id: uuid.UUID
) -> AuthorizationRead:
    """The latest authorization: ``pending``, ``completed``, ``failed`` or ``expired``."""
    connection = connections.get_connection(session, principal.tenant_id, connection_id)
    return service.authorization(session, connection)


@router.post("/{connection_id}/sync", response_model=RunRead, status_code=202)
def sync(principal: Operator, session: SessionDep, connection_id: uuid.UUID) -> RunRead:
    """Sync the connection's orders now, besides its schedule."""
    run = service.start_sync(session, principal.tenant_id, principal.actor, connection_id)
    return runs.document(run)
