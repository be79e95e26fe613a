from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ihub.models import RunStatus, StepStatus

Aggregate = Literal["organizations", "counterparties", "products", "warehouses", "stock"]
# The order they run in: stock links to the products and warehouses imported before it.
AGGREGATES: tuple[Aggregate, ...] = (
    "organizations",
    "counterparties",
    "products",
    "warehouses",
    "stock",
)


class ImportParams(BaseModel):
    """The parameters of an import run."""

    aggregates: list[Aggregate] = Field(
        default_factory=lambda: list(AGGREGATES), min_length=1, description="What to import."
    )
    mode: Literal["full"] = Field("full", description="full: read everything, compare versions.")

    @field_validator("aggregates")
    @classmethod
    def _in_run_order(cls, value: list[Aggregate]) -> list[Aggregate]:
        return [a for a in AGGREGATES if a in value]


class ImportCreate(ImportParams):
    connection_id: uuid.UUID


class AggregateProgress(BaseModel):
    aggregate_index: int
    aggregate_name: str
    status: StepStatus
    processed: int
    total: int | None
    inserted: int
    updated: int
    unchanged: int
    errors: int
    current_item: str | None


class RecordError(BaseModel):
    aggregate: str
    ref_key: str | None = Field(description="The record's 1C Ref_Key.")
    field: str | None
    value: str | None
    reason: str


class ImportProgress(BaseModel):
    """An import's progress, with the field names of the system ihub replaces."""

    session_id: uuid.UUID = Field(description="The import's id (its run id).")
    kind: str
    connection_id: uuid.UUID | None
    mode: str
    status: RunStatus
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    error: str | None = Field(description="Why the import failed, when it did.")
    aggregates: list[AggregateProgress]
    total_processed: int
    total_inserted: int
    total_updated: int
    total_unchanged: int
    total_errors: int
    errors: list[RecordError] = Field(
        description="Per-record errors, oldest first; see errors_truncated and /errors."
    )
    errors_truncated: bool
