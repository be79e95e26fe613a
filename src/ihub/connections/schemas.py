from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ihub.models import ConnectionStatus


class ConnectionCreate(BaseModel):
    kind: str = Field(description="A kind from GET /api/v1/connections/kinds, e.g. onec_odata.")
    name: str = Field(min_length=1, max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Stored encrypted; never returned."
    )


class ConnectionUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = Field(
        None, description="Merged into the current settings; null removes an optional one."
    )
    secrets: dict[str, str | None] | None = Field(
        None, description="Only the secrets given change; null removes an optional one."
    )


class ConnectionRead(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    settings: dict[str, Any]
    secrets: dict[str, bool] = Field(description="Whether each secret field is set.")
    status: ConnectionStatus
    last_error: str | None
    last_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CheckStepRead(BaseModel):
    name: str
    ok: bool
    message: str


class ConnectionTestRead(BaseModel):
    ok: bool
    message: str
    status: ConnectionStatus
    steps: list[CheckStepRead]
    checked_at: datetime


class ConnectionKindRead(BaseModel):
    name: str
    title: str
    settings_schema: dict[str, Any]
    secrets_schema: dict[str, Any]
    secret_fields: list[str]
