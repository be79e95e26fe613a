from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    field: str
    value: str
    reason: str


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class _Party(_Read):
    connection_id: uuid.UUID
    external_id: str = Field(description="The ERP's key (1C Ref_Key).")
    data_version: str | None
    name: str
    full_name: str | None
    inn: str
    kpp: str
    ogrn: str
    legal_form: str = Field(
        description="legal_entity, entrepreneur, individual, foreign_entity or unknown."
    )
    is_branch: bool
    deletion_mark: bool
    is_valid: bool
    problems: list[Problem]


class OrganizationRead(_Party):
    head_external_id: str | None
    registration_date: date | None


class CounterpartyRead(_Party):
    partner_external_id: str | None


class ProductRead(_Read):
    source: Literal["local", "imported"]
    connection_id: uuid.UUID | None
    external_id: str | None
    data_version: str | None
    code: str | None
    sku: str | None
    name: str
    full_name: str | None
    unit: str | None
    product_type: str | None
    group_external_id: str | None
    deletion_mark: bool
    is_valid: bool
    problems: list[Problem]


class ProductCreate(BaseModel):
    """A local product, for a company without a connected ERP."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500)
    sku: str | None = Field(None, max_length=100)
    code: str | None = Field(None, max_length=50)
    full_name: str | None = Field(None, max_length=2000)
    unit: str | None = Field(None, max_length=50)
    product_type: str | None = Field(None, max_length=50)


class ProductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=500)
    sku: str | None = Field(None, max_length=100)
    code: str | None = Field(None, max_length=50)
    full_name: str | None = Field(None, max_length=2000)
    unit: str | None = Field(None, max_length=50)
    product_type: str | None = Field(None, max_length=50)
    deletion_mark: bool | None = None


class WarehouseRead(_Read):
    connection_id: uuid.UUID
    external_id: str
    data_version: str | None
    name: str
    warehouse_type: str | None
    group_external_id: str | None
    deletion_mark: bool


class StockRead(_Read):
    connection_id: uuid.UUID
    product_id: uuid.UUID | None = Field(description="The imported product, when it exists.")
    warehouse_id: uuid.UUID | None
    product_external_id: str
    warehouse_external_id: str
    product_name: str | None
    product_sku: str | None
    warehouse_name: str | None
    quantity: float
    reserved: float
    synced_at: datetime
