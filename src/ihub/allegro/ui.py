"""The Allegro panel of a connection's page: authorize (and watch it turn green), sync now."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ihub.allegro import service
from ihub.allegro.authorize import start_authorization
from ihub.allegro.schemas import AuthorizationRead
from ihub.connections import service as connections
from ihub.db import SessionDep
from ihub.errors import IhubError, NotFound
from ihub.tenants.auth import Principal
from ihub.ui.web import UiAdmin, UiOperator, UiViewer, render

router = APIRouter(include_in_schema=False)


def _panel(
    request: Request,
    principal: Principal,
    session: Session,
    connection_id: uuid.UUID,
    error: str | None = None,
) -> HTMLResponse:
    connection = connections.get_connection(session, principal.tenant_id, connection_id)
    authorization: AuthorizationRead | None
    try:
        authorization = service.authorization(session, connection)
    except NotFound:
        authorization = None
    return render(
        request,
        "allegro/_panel.html",
        principal,
        connection=connection,
        authorization=authorization,
        error=error,
    )


@router.get("/connections/{connection_id}/allegro")
def allegro_panel(
    request: Request, principal: UiViewer, session: SessionDep, connection_id: uuid.UUID
) -> HTMLResponse:
    return _panel(request, principal, session, connection_id)


@router.post("/connections/{connection_id}/allegro/authorize")
def authorize(
    request: Request, principal: UiAdmin, session: SessionDep, connection_id: uuid.UUID
) -> HTMLResponse:
    error = None
    try:
        start_authorization(session, principal.tenant_id, principal.actor, connection_id)
    except IhubError as exc:
        session.rollback()
        error = exc.message
    return _panel(request, principal, session, connection_id, error=error)


@router.post("/connections/{connection_id}/allegro/sync")
def sync(
    request: Request, principal: UiOperator, session: SessionDep, connection_id: uuid.UUID
) -> Response:
    try:
        run = service.start_sync(session, principal.tenant_id, principal.actor, connection_id)
    except IhubError as exc:
        session.rollback()
        return _panel(request, principal, session, connection_id, error=exc.message)
    target = f"/runs/{run.id}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
