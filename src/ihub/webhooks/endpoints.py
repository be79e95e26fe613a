"""Outbound webhooks API: endpoints, secrets, the event catalog, message log, resend, recover."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ihub.db import SessionDep
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalDateTime
from ihub.models import MessageStatus, WebhookEndpoint
from ihub.tenants.auth import Admin, Operator, Viewer
from ihub.webhooks import service
from ihub.webhooks.catalog import CATALOG
from ihub.webhooks.schemas import (
    AttemptRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeRead,
    MessageDetail,
    MessageRead,
    RecoverRequest,
    RecoverResult,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
EXAMPLE_TIMESTAMP = "2026-12-01T09:15:27.123456Z"


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
    return EndpointWithSecret.model_validate(
        {**EndpointRead.model_validate(endpoint).model_dump(), "secret": secret}
    )


@router.get("/event-types", response_model=list[EventTypeRead])
def list_event_types(principal: Viewer) -> list[EventTypeRead]:
    """Every event type an endpoint can subscribe to, with an example body."""
    return [
        EventTypeRead(
            name=t.name,
            description=t.description,
            example={"type": t.name, "timestamp": EXAMPLE_TIMESTAMP, "data": t.example},
        )
        for t in CATALOG.values()
    ]


@router.get("/endpoints", response_model=Page[EndpointRead])
def list_endpoints(principal: Viewer, session: SessionDep, page: PageQuery) -> Page[EndpointRead]:
    """The tenant's webhook endpoints, oldest first."""
    items, total = service.list_endpoints(session, principal.tenant_id, page)
    return Page.of((EndpointRead.model_validate(e) for e in items), total, page)


@router.post("/endpoints", response_model=EndpointWithSecret, status_code=201)
def create_endpoint(
    principal: Admin, session: SessionDep, body: EndpointCreate
) -> EndpointWithSecret:
    """Add an endpoint; the answer carries its signing secret, which is never shown again."""
    endpoint, secret = service.create_endpoint(session, principal.tenant_id, principal.actor, body)
    return _with_secret(endpoint, secret)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointRead)
def get_endpoint(principal: Viewer, session: SessionDep, endpoint_id: uuid.UUID) -> EndpointRead:
    """One endpoint (without its secret)."""
    return EndpointRead.model_validate(
        service.get_endpoint(session, principal.tenant_id, endpoint_id)
    )


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointRead)
def update_endpoint(
    principal: Admin, session: SessionDep, endpoint_id: uuid.UUID, body: EndpointUpdate
) -> EndpointRead:
    """Change an endpoint. Disabling fails its waiting messages; enabling clears the failure
    clock."""
    endpoint = service.update_endpoint(
        session, principal.tenant_id, principal.actor, endpoint_id, body
    )
    return EndpointRead.model_validate(endpoint)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(principal: Admin, session: SessionDep, endpoint_id: uuid.UUID) -> Response:
    """Delete an endpoint with its message log."""
    service.delete_endpoint(session, principal.tenant_id, principal.actor, endpoint_id)
    return Response(status_code=204)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret)
def rotate_secret(
    principal: Admin, session: SessionDep, endpoint_id: uuid.UUID
) -> EndpointWithSecret:
    """A new signing secret, shown once; the old one also signs during the rotation window."""
    endpoint, secret = service.rotate_secret(
        session, principal.tenant_id, principal.actor, endpoint_id
    )
    return _with_secret(endpoint, secret)


@router.post("/endpoints/{endpoint_id}/test", response_model=MessageRead, status_code=202)
def send_test(principal: Operator, session: SessionDep, endpoint_id: uuid.UUID) -> MessageRead:
    """Send a `webhook.ping` event to this endpoint; follow it in the message log."""
    message = service.send_test(session, principal.tenant_id, principal.actor, endpoint_id)
    return MessageRead.model_validate(message)


@router.get("/endpoints/{endpoint_id}/messages", response_model=Page[MessageRead])
def list_messages(
    principal: Viewer,
    session: SessionDep,
    endpoint_id: uuid.UUID,
    page: PageQuery,
    status: Annotated[list[MessageStatus] | None, Query()] = None,
    event_type: str | None = None,
    since: Annotated[OptionalDateTime, Query(description="Created at or after.")] = None,
    until: Annotated[OptionalDateTime, Query(description="Created before.")] = None,
) -> Page[MessageRead]:
    """The endpoint's messages, newest first."""
    items, total = service.list_messages(
        session,
        principal.tenant_id,
        endpoint_id,
        page,
        status=status or [],
        event_type=event_type,
        since=since,
        until=until,
    )
    return Page.of((MessageRead.model_validate(m) for m in items), total, page)


@router.post("/endpoints/{endpoint_id}/recover", response_model=RecoverResult, status_code=202)
def recover(
    principal: Operator, session: SessionDep, endpoint_id: uuid.UUID, body: RecoverRequest
) -> RecoverResult:
    """Send every failed message of the endpoint created in the time range again."""
    count = service.recover(
        session, principal.tenant_id, principal.actor, endpoint_id, body.since, body.until
    )
    return RecoverResult(recovered=count)


@router.get("/messages/{message_id}", response_model=MessageDetail)
def get_message(principal: Viewer, session: SessionDep, message_id: uuid.UUID) -> MessageDetail:
    """One message with the body it sends."""
    message = service.get_message(session, principal.tenant_id, message_id)
    return MessageDetail.model_validate(
        {
            **MessageRead.model_validate(message).model_dump(),
            "payload": json.loads(service.message_payload(session, message)),
        }
    )


@router.get("/messages/{message_id}/attempts", response_model=Page[AttemptRead])
def list_attempts(
    principal: Viewer, session: SessionDep, message_id: uuid.UUID, page: PageQuery
) -> Page[AttemptRead]:
    """Every attempt of a message, newest first."""
    items, total = service.list_attempts(session, principal.tenant_id, message_id, page)
    return Page.of((AttemptRead.model_validate(a) for a in items), total, page)


@router.post("/messages/{message_id}/resend", response_model=MessageRead, status_code=202)
def resend(principal: Operator, session: SessionDep, message_id: uuid.UUID) -> MessageRead:
    """Send the message again now (same `webhook-id`), with a fresh retry schedule."""
    return MessageRead.model_validate(
        service.resend(session, principal.tenant_id, principal.actor, message_id)
    )
