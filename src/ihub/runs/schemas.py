from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ihub.models import RunStatus, StepStatus


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    name: str
    status: StepStatus
    total: int | None
    processed: int
    inserted: int
    updated: int
    unchanged: int
    errors: int
    current_item: str | None
    started_at: datetime | None
    finished_at: datetime | None


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: RunStatus
    trigger: str
    triggered_by: str
    connection_id: uuid.UUID | None
    schedule_id: uuid.UUID | None
    params: dict[str, Any]
    checkpoint: dict[str, Any]
    result: dict[str, Any]
    error: str | None
    attempt: int
    cancel_requested: bool = Field(description="A cancel was asked for and not yet honoured.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    steps: list[StepRead]
    totals: dict[str, int]


class RunCreate(BaseModel):
    kind: str = Field(description="A run kind from GET /api/v1/runs/kinds.")
    params: dict[str, Any] = Field(default_factory=dict)
    connection_id: uuid.UUID | None = None


class RunErrorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    step: str
    external_id: str | None
    field: str | None
    value: str | None
    reason: str
    created_at: datetime


class RunKindRead(BaseModel):
    name: str
    title: str
    schedulable: bool
    needs_connection: bool
    params_schema: dict[str, Any]
