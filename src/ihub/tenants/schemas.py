from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ihub.models import Role


def _email(value: str) -> str:
    value = value.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise ValueError("not an e-mail address")
    return value


def _timezone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError(f"unknown IANA timezone {value!r}")
    return value


Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]
Timezone = Annotated[str, AfterValidator(_timezone)]
Password = Annotated[str, Field(min_length=10, max_length=200)]


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TenantRead(ORMModel):
    id: uuid.UUID
    name: str
    timezone: str
    created_at: datetime


class TenantUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: Timezone | None = None


class UserCreate(BaseModel):
    email: Email
    name: str = Field("", max_length=200)
    role: Role = Role.viewer
    password: Password | None = Field(None, description="Generated and returned when omitted.")


class UserUpdate(BaseModel):
    name: str | None = Field(None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserRead(ORMModel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class UserCreated(UserRead):
    password: str | None = Field(None, description="Shown once when ihub generated it.")


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.viewer
    expires_at: datetime | None = None


class ApiKeyRead(ORMModel):
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret; shown once and never again.")


class Me(BaseModel):
    tenant: TenantRead
    role: Role
    via: str
    label: str
    user: UserRead | None
