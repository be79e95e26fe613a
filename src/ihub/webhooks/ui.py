"""Webhooks pages: endpoints with their secret shown once, the message log, attempts, replay."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.kit.pagination import PageParams, page_count
from ihub.kit.params import OptionalDateTime
from ihub.models import MessageStatus
from ihub.tenants.auth import Principal
from ihub.ui.web import UiAdmin, UiOperator, UiViewer, form_error, render
from ihub.webhooks import service
from ihub.webhooks.catalog import CATALOG, PING
from ihub.webhooks.schemas import EndpointCreate, EndpointUpdate

router = APIRouter(include_in_schema=False)
EventTypesForm = Annotated[list[str] | None, Form()]
# The ping goes to one endpoint from its test button; nobody subscribes to it.
PICKABLE = [t for t in CATALOG.values() if t.name != PING]
PAGE_SIZE = 25


def _form(
    url: str, description: str, event_types: list[str] | None, enabled: bool
) -> dict[str, Any]:
    """The endpoint form as sent: validated into a schema, or shown again with its error."""
    return {
        "url": url,
        "description": description,
        "event_types": event_types or [],
        "enabled": enabled,
    }


def _list_page(
    request: Request,
    principal: Principal,
    session: Session,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    endpoints, _ = service.list_endpoints(
        session, principal.tenant_id, PageParams(page=1, page_size=500)
    )
    return render(
        request,
        "webhooks/list.html",
        principal,
        status,
        endpoints=endpoints,
        catalog=PICKABLE,
        form=form or {"enabled": True, "event_types": []},
        error=error,
    )


def _endpoint_page(
    request: Request,
    principal: Principal,
    session: Session,
    endpoint_id: uuid.UUID,
    *,
    secret: str | None = None,
    error: str | None = None,
    status_filter: str = "",
    page: int = 1,
    partial: bool = False,
    code: int = 200,
) -> HTMLResponse:
    endpoint = service.get_endpoint(session, principal.tenant_id, endpoint_id)
    wanted = [MessageStatus(status_filter)] if status_filter in MessageStatus.__members__ else []
    params = PageParams(page=page, page_size=PAGE_SIZE)
    messages, total = service.list_messages(
        session, principal.tenant_id, endpoint_id, params, status=wanted
    )
    return render(
        request,
        "webhooks/_messages.html" if partial else "webhooks/endpoint.html",
        principal,
        code,
        endpoint=endpoint,
        catalog=PICKABLE,
        secret=secret,
        error=error,
        messages=messages,
        total=total,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        statuses=list(MessageStatus),
        filters={"status": status_filter},
    )


@router.get("/webhooks")
def endpoints_page(request: Request, principal: UiViewer, session: SessionDep) -> HTMLResponse:
    return _list_page(request, principal, session)


@router.post("/webhooks")
def create_endpoint(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    url: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    event_types: EventTypesForm = None,
    enabled: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    form = _form(url, description, event_types, enabled)
    try:
        data = EndpointCreate.model_validate(form)
        endpoint, secret = service.create_endpoint(
            session, principal.tenant_id, principal.actor, data
        )
    except (IhubError, ValidationError) as exc:
        session.rollback()
        return _list_page(request, principal, session, form=form, error=form_error(exc), status=422)
    return _endpoint_page(request, principal, session, endpoint.id, secret=secret)


@router.get("/webhooks/{endpoint_id}")
def endpoint_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    endpoint_id: uuid.UUID,
    status: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    partial: bool = False,
) -> HTMLResponse:
    return _endpoint_page(
        request,
        principal,
        session,
        endpoint_id,
        status_filter=status,
        page=page,
        partial=partial,
    )


@router.post("/webhooks/{endpoint_id}")
def update_endpoint(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    endpoint_id: uuid.UUID,
    url: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    event_types: EventTypesForm = None,
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    try:
        data = EndpointUpdate.model_validate(_form(url, description, event_types, enabled))
        service.update_endpoint(session, principal.tenant_id, principal.actor, endpoint_id, data)
    except (IhubError, ValidationError) as exc:
        session.rollback()
        return _endpoint_page(
            request, principal, session, endpoint_id, error=form_error(exc), code=422
        )
    return RedirectResponse(f"/webhooks/{endpoint_id}", status_code=303)


@router.post("/webhooks/{endpoint_id}/rotate-secret")
def rotate_secret(
    request: Request, principal: UiAdmin, session: SessionDep, endpoint_id: uuid.UUID
) -> HTMLResponse:
    _, secret = service.rotate_secret(session, principal.tenant_id, principal.actor, endpoint_id)
    return _endpoint_page(request, principal, session, endpoint_id, secret=secret)


@router.post("/webhooks/{endpoint_id}/test")
def send_test(principal: UiOperator, session: SessionDep, endpoint_id: uuid.UUID) -> Response:
    service.send_test(session, principal.tenant_id, principal.actor, endpoint_id)
    return RedirectResponse(f"/webhooks/{endpoint_id}", status_code=303)


@router.post("/webhooks/{endpoint_id}/recover")
def recover(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    endpoint_id: uuid.UUID,
    since: Annotated[OptionalDateTime, Form()] = None,
) -> Response:
    if since is None:
        return _endpoint_page(
            request, principal, session, endpoint_id, error="Choose since when.", code=422
        )
    service.recover(session, principal.tenant_id, principal.actor, endpoint_id, since)
    return RedirectResponse(f"/webhooks/{endpoint_id}", status_code=303)


@router.post("/webhooks/{endpoint_id}/delete")
def delete_endpoint(principal: UiAdmin, session: SessionDep, endpoint_id: uuid.UUID) -> Response:
    service.delete_endpoint(session, principal.tenant_id, principal.actor, endpoint_id)
    return RedirectResponse("/webhooks", status_code=303)


@router.get("/webhooks/messages/{message_id}")
def message_page(
    request: Request, principal: UiViewer, session: SessionDep, message_id: uuid.UUID
) -> HTMLResponse:
    message = service.get_message(session, principal.tenant_id, message_id)
    attempts, total = service.list_attempts(
        session, principal.tenant_id, message_id, PageParams(page=1, page_size=100)
    )
    return render(
        request,
        "webhooks/message.html",
        principal,
        message=message,
        endpoint=service.get_endpoint(session, principal.tenant_id, message.endpoint_id),
        payload=json.loads(service.message_payload(session, message)),
        attempts=attempts,
        attempts_total=total,
    )


@router.post("/webhooks/messages/{message_id}/resend")
def resend(principal: UiOperator, session: SessionDep, message_id: uuid.UUID) -> Response:
    service.resend(session, principal.tenant_id, principal.actor, message_id)
    return RedirectResponse(f"/webhooks/messages/{message_id}", status_code=303)
