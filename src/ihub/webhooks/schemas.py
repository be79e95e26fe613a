from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from ihub.kit.params import as_utc
from ihub.models import MessageStatus
from ihub.webhooks.catalog import CATALOG


def _known_types(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - CATALOG.keys())
    if unknown:
        raise ValueError(f"unknown event types {unknown}; see GET /api/v1/webhooks/event-types")
    return list(dict.fromkeys(values))


EventTypes = Annotated[
    list[str],
    AfterValidator(_known_types),
    Field(max_length=len(CATALOG), description="Event types to receive; empty means all."),
]
EndpointUrl = Annotated[
    HttpUrl,
    Field(
        description="http(s) URL that receives the POSTs.",
        examples=["https://erp.example.com/hooks/ihub"],
    ),
]


class EndpointCreate(BaseModel):
    url: EndpointUrl
    description: str = Field("", max_length=500)
    event_types: EventTypes = Field(default_factory=list)
    enabled: bool = True


class EndpointUpdate(BaseModel):
    url: EndpointUrl | None = None
    description: str | None = Field(None, max_length=500)
    event_types: EventTypes | None = None
    enabled: bool | None = None


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None = Field(
        description="Start of the current run of failed attempts; null after a success."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries are signed with the old secret as well."
    )
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    secret: str = Field(description="The signing secret (`whsec_…`); shown only this once.")


class EventTypeRead(BaseModel):
    name: str
    description: str
    example: dict[str, Any] = Field(description="A body as the endpoint receives it.")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = Field(description="The `webhook-id` header of every attempt.")
    event_type: str
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class MessageDetail(MessageRead):
    payload: dict[str, Any] = Field(description="The body sent, parsed.")


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    attempt: int
    url: str
    created_at: datetime
    duration_ms: int
    status_code: int | None
    response_body: str | None = Field(description="The first 4 KB of the response body.")
    error: str | None


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]


class RecoverRequest(BaseModel):
    since: UtcDateTime = Field(description="Failed messages created at or after this time (UTC).")
    until: UtcDateTime | None = Field(None, description="… and before this time.")


class RecoverResult(BaseModel):
    recovered: int = Field(description="Failed messages queued for delivery again.")
