from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ihub.kit.pagination import Page
from ihub.kit.params import as_utc
from ihub.models import BatchStatus, ReportFormat, ReportKind, RunStatus

Quantity = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
PlannedQuantity = Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)]
UtcTime = Annotated[datetime, AfterValidator(as_utc)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


def _batch_number(value: str) -> str:
    """Batch numbers are identifiers: kept upper-case so uniqueness and search ignore case."""
    return value.upper()


BatchNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_batch_number),
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Kind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- work centers ---


class WorkCenterCreate(BaseModel):
    code: Code
    name: Name
    kind: Kind = Field("line", examples=["line", "machine", "cell"])
    capacity_per_shift: Quantity = Field(description="Units a shift can make.")
    shifts_per_day: int = Field(1, ge=1, le=4)
    active: bool = True


class WorkCenterUpdate(BaseModel):
    code: Code | None = None
    name: Name | None = None
    kind: Kind | None = None
    capacity_per_shift: Quantity | None = None
    shifts_per_day: int | None = Field(None, ge=1, le=4)
    active: bool | None = None


class WorkCenterRead(ORMModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    capacity_per_shift: float
    shifts_per_day: int
    active: bool
    created_at: datetime
    updated_at: datetime


# --- batches ---

BatchSort = Literal[
    "planned_start", "-planned_start", "created_at", "-created_at", "number", "-number"
]


class BatchCreate(BaseModel):
    number: BatchNumber
    product_id: uuid.UUID = Field(description="A catalog product (GET /api/v1/products).")
    work_center_id: uuid.UUID
    planned_quantity: PlannedQuantity
    unit: Unit | None = Field(None, description="Default: the product's unit, else `pcs`.")
    planned_start: UtcTime
    planned_finish: UtcTime | None = None
    notes: Text | None = None


class BatchUpdate(BaseModel):
    """Plan fields change while a batch is planned; quantities while it runs or after."""

    number: BatchNumber | None = None
    product_id: uuid.UUID | None = None
    work_center_id: uuid.UUID | None = None
    planned_quantity: PlannedQuantity | None = None
    unit: Unit | None = None
    planned_start: UtcTime | None = None
    planned_finish: UtcTime | None = None
    produced_quantity: Quantity | None = None
    defective_quantity: Quantity | None = None
    notes: Text | None = None


class BatchTransition(BaseModel):
    to: BatchStatus
    at: UtcTime | None = Field(None, description="When it happened; default now.")
    produced_quantity: Quantity | None = Field(None, description="Usually given on completion.")
    defective_quantity: Quantity | None = None
    note: Text | None = None


class BatchRead(ORMModel):
    id: uuid.UUID
    number: str
    status: BatchStatus
    product_id: uuid.UUID
    product_name: str
    work_center_id: uuid.UUID
    work_center_code: str
    planned_quantity: float
    produced_quantity: float
    defective_quantity: float
    good_quantity: float
    yield_pct: float | None = Field(description="Good share of the produced quantity, %.")
    unit: str
    planned_start: datetime
    planned_finish: datetime | None
    actual_start: datetime | None
    actual_finish: datetime | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class StatusChangeRead(ORMModel):
    from_status: BatchStatus | None
    to_status: BatchStatus
    actor_type: str
    actor_label: str
    note: str | None
    created_at: datetime


class BatchDetail(BatchRead):
    history: list[StatusChangeRead]


class BatchPage(Page[BatchRead]):
    total_exact: bool = Field(
        description="False when more batches match than are counted; `total` is then a floor."
    )


# --- analytics ---


class Period(BaseModel):
    date_from: date
    date_to: date
    timezone: str


class OutputTotals(BaseModel):
    batches: int
    produced: float
    defective: float
    good: float
    defect_rate_pct: float | None


class Dashboard(BaseModel):
    timezone: str
    active_batches: int = Field(description="Batches in progress.")
    planned_batches: int
    today: OutputTotals
    this_week: OutputTotals
    last_30_days: OutputTotals


class WorkCenterLoad(BaseModel):
    work_center_id: uuid.UUID
    code: str
    name: str
    active: bool
    capacity: float = Field(description="capacity_per_shift × shifts_per_day × days.")
    planned_quantity: float = Field(
        description="Planned quantity of batches starting in the period."
    )
    load_pct: float | None
    output: OutputTotals
    utilization_pct: float | None = Field(description="Produced quantity against capacity, %.")


class WorkCenterAnalytics(BaseModel):
    period: Period
    items: list[WorkCenterLoad]


class OutputPoint(BaseModel):
    key: str = Field(description="Day or week start (ISO date) or product id.")
    label: str
    output: OutputTotals


class OutputSeries(BaseModel):
    period: Period
    group_by: Literal["day", "week", "product"]
    items: list[OutputPoint]
    total: OutputTotals


class ProductOutput(BaseModel):
    product_id: uuid.UUID
    name: str
    unit: str | None
    period: Period
    output: OutputTotals


# --- reports ---


class ReportCreate(BaseModel):
    kind: ReportKind
    date_from: date
    date_to: date
    format: ReportFormat = ReportFormat.xlsx


class ReportRead(ORMModel):
    id: uuid.UUID
    kind: ReportKind
    format: ReportFormat
    date_from: date
    date_to: date
    requested_by: str
    status: RunStatus | None = Field(description="The status of the run writing the file.")
    run_id: uuid.UUID | None
    rows: int | None
    filename: str | None
    size: int | None
    download_url: str | None = Field(description="Signed link, valid until download_expires_at.")
    download_expires_at: datetime | None
    created_at: datetime
