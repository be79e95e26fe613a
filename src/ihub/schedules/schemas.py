from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ihub.schedules import cron
from ihub.tenants.schemas import Timezone


def _cron(value: str) -> str:
    value = " ".join(value.split())
    if not cron.is_valid(value):
        raise ValueError(f"{value!r} is not a cron expression (minute hour day month weekday)")
    return value


Cron = Annotated[str, Field(max_length=120, examples=["0 9 * * 1-5"]), AfterValidator(_cron)]


class ScheduleCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description="A schedulable run kind.")
    params: dict[str, Any] = Field(default_factory=dict)
    connection_id: uuid.UUID | None = None
    cron: Cron
    timezone: Timezone | None = Field(None, description="IANA name; the tenant's by default.")
    enabled: bool = True


class ScheduleUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    params: dict[str, Any] | None = None
    cron: Cron | None = None
    timezone: Timezone | None = None
    enabled: bool | None = None


class ScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    params: dict[str, Any]
    connection_id: uuid.UUID | None
    cron: str
    timezone: str
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_run_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
