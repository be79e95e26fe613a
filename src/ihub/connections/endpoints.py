"""Connections API: CRUD for every kind, and a real test of the external system."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from ihub.connections import service
from ihub.connections.registry import all_kinds
from ihub.connections.schemas import (
    ConnectionCreate,
    ConnectionKindRead,
    ConnectionRead,
    ConnectionTestRead,
    ConnectionUpdate,
)
from ihub.db import SessionDep
from ihub.kit.pagination import Page, PageQuery
from ihub.models import ConnectionStatus
from ihub.tenants.auth import Admin, Operator, Viewer

router = APIRouter(prefix="/connections", tags=["connections"])


@router.get("/kinds", response_model=list[ConnectionKindRead])
def list_kinds(principal: Viewer) -> list[ConnectionKindRead]:
    """The kinds of connection this installation knows, with their settings schemas."""
    return [
        ConnectionKindRead(
            name=kind.name,
            title=kind.title,
            settings_schema=kind.settings.model_json_schema(),
            secrets_schema=kind.secrets.model_json_schema(),
            secret_fields=kind.secret_fields,
        )
        for kind in all_kinds()
    ]


@router.get("", response_model=Page[ConnectionRead])
def list_connections(
    principal: Viewer,
    session: SessionDep,
    page: PageQuery,
    kind: str | None = None,
    status: ConnectionStatus | None = None,
) -> Page[ConnectionRead]:
    """Connections by name; secrets show only whether they are set."""
    items, total = service.list_connections(
        session, principal.tenant_id, page, kind=kind, status=status
    )
    return Page(
        items=[service.document(c) for c in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post("", response_model=ConnectionRead, status_code=201)
def create_connection(
    principal: Admin, session: SessionDep, body: ConnectionCreate
) -> ConnectionRead:
    """Create a connection; its secrets are encrypted at rest."""
    return service.document(
        service.create_connection(session, principal.tenant_id, principal.actor, body)
    )


@router.get("/{connection_id}", response_model=ConnectionRead)
def get_connection(
    principal: Viewer, session: SessionDep, connection_id: uuid.UUID
) -> ConnectionRead:
    """One connection."""
    return service.document(service.get_connection(session, principal.tenant_id, connection_id))


@router.patch("/{connection_id}", response_model=ConnectionRead)
def update_connection(
    principal: Admin, session: SessionDep, connection_id: uuid.UUID, body: ConnectionUpdate
) -> ConnectionRead:
    """Rename, change settings or replace secrets; the connection then needs a new test."""
    connection = service.update_connection(
        session, principal.tenant_id, principal.actor, connection_id, body
    )
    return service.document(connection)


@router.delete("/{connection_id}", status_code=204)
def delete_connection(principal: Admin, session: SessionDep, connection_id: uuid.UUID) -> Response:
    """Delete a connection no run or schedule uses; data imported through it stays."""
    service.delete_connection(session, principal.tenant_id, principal.actor, connection_id)
    return Response(status_code=204)


@router.post("/{connection_id}/test", response_model=ConnectionTestRead)
def test_connection(
    principal: Operator, session: SessionDep, connection_id: uuid.UUID
) -> ConnectionTestRead:
    """Check the connection against the external system for real and say what is wrong."""
    opened = service.open_connection(session, principal.tenant_id, connection_id)
    # The external call can take as long as its timeout: end this transaction first, so that
    # on SQLite the write lock is not held while we wait on the network.
    session.commit()
    report = service.run_check(opened)
    connection = service.record_check(
        session, principal.tenant_id, principal.actor, connection_id, report
    )
    return service.test_result(connection, report)
