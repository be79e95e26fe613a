"""Work centers and batches: CRUD, the batch status machine and its history. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ihub import audit, webhooks
from ihub.audit.actor import Actor
from ihub.errors import Conflict, NotFound, Unprocessable
from ihub.kit.clock import utcnow
from ihub.kit.pagination import PageParams
from ihub.models import Batch, BatchStatus, BatchStatusChange, Product, WorkCenter
from ihub.production import cache
from ihub.production.repository import (
    BatchFilter,
    BatchRepository,
    ProductLookup,
    WorkCenterRepository,
)
from ihub.production.schemas import (
    BatchCreate,
    BatchRead,
    BatchTransition,
    BatchUpdate,
    WorkCenterCreate,
    WorkCenterUpdate,
)

DEFAULT_UNIT = "pcs"
# Counting every match of a million rows costs more than the page itself: lists count up to
# COUNT_LIMIT (``total_exact`` false beyond) and serve pages within the first PAGE_WINDOW.
COUNT_LIMIT = 1_000
PAGE_WINDOW = 10_000

# planned → in_progress → completed; planned | in_progress → cancelled.
TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.planned: frozenset({BatchStatus.in_progress, BatchStatus.cancelled}),
    BatchStatus.in_progress: frozenset({BatchStatus.completed, BatchStatus.cancelled}),
    BatchStatus.completed: frozenset(),
    BatchStatus.cancelled: frozenset(),
}
PLAN_FIELDS = frozenset(
    {
        "number",
        "product_id",
        "work_center_id",
        "planned_quantity",
        "unit",
        "planned_start",
        "planned_finish",
    }
)
OUTPUT_FIELDS = frozenset({"produced_quantity", "defective_quantity"})
_AUDITED_WORK_CENTER = ("code", "name", "kind", "capacity_per_shift", "shifts_per_day", "active")
_AUDITED_BATCH = (*sorted(PLAN_FIELDS), *sorted(OUTPUT_FIELDS), "status", "notes")


# --- work centers ---


def _work_center_fields(work_center: WorkCenter) -> dict[str, Any]:
    return {name: getattr(work_center, name) for name in _AUDITED_WORK_CENTER}


def create_work_center(
    session: Session, tenant_id: uuid.UUID, actor: Actor, data: WorkCenterCreate
) -> WorkCenter:
    repository = WorkCenterRepository(session, tenant_id)
    _ensure_code_free(repository, data.code)
    work_center = repository.add(WorkCenter(**data.model_dump()))
    cache.changed(session, tenant_id)
    audit.record(
        session,
        tenant_id,
        actor,
        "work_center.created",
        "work_center",
        work_center.id,
        _work_center_fields(work_center),
    )
    return work_center


def _ensure_code_free(
    repository: WorkCenterRepository, code: str, other_than: uuid.UUID | None = None
) -> None:
    existing = repository.by_code(code)
    if existing is not None and existing.id != other_than:
        raise Conflict(f"A work center with code {code!r} already exists.")


def get_work_center(
    session: Session, tenant_id: uuid.UUID, work_center_id: uuid.UUID
) -> WorkCenter:
    work_center = WorkCenterRepository(session, tenant_id).get(work_center_id)
    if work_center is None:
        raise NotFound("Work center not found.")
    return work_center


def list_work_centers(
    session: Session, tenant_id: uuid.UUID, params: PageParams, active: bool | None = None
) -> tuple[Sequence[WorkCenter], int]:
    repository = WorkCenterRepository(session, tenant_id)
    return repository.page(repository.search(active=active), params)


def update_work_center(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    work_center_id: uuid.UUID,
    data: WorkCenterUpdate,
) -> WorkCenter:
    work_center = get_work_center(session, tenant_id, work_center_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "code" in changes:
        _ensure_code_free(WorkCenterRepository(session, tenant_id), changes["code"], work_center.id)
    before = _work_center_fields(work_center)
    for name, value in changes.items():
        setattr(work_center, name, value)
    cache.changed(session, tenant_id)
    audit.record(
        session,
        tenant_id,
        actor,
        "work_center.updated",
        "work_center",
        work_center.id,
        audit.diff(before, _work_center_fields(work_center)),
    )
    return work_center


def delete_work_center(
    session: Session, tenant_id: uuid.UUID, actor: Actor, work_center_id: uuid.UUID
) -> None:
    work_center = get_work_center(session, tenant_id, work_center_id)
    if BatchRepository(session, tenant_id).exists_for_work_center(work_center.id):
        raise Conflict(
            f"Work center {work_center.code} has batches; deactivate it instead of deleting it."
        )
    WorkCenterRepository(session, tenant_id).delete(work_center)
    cache.changed(session, tenant_id)
    audit.record(
        session,
        tenant_id,
        actor,
        "work_center.deleted",
        "work_center",
        work_center_id,
        {"code": work_center.code},
    )


# --- batches ---


_BATCH_COLUMNS = [name for name in BatchRead.model_fields if hasattr(Batch, name)]


def document(
    batch: Batch, product_name: str | None = None, work_center_code: str | None = None
) -> BatchRead:
    """The API's view of a batch; the labels come from its relations unless they are given."""
    return BatchRead.model_validate(
        {
            **{name: getattr(batch, name) for name in _BATCH_COLUMNS},
            "product_name": product_name or batch.product.name,
            "work_center_code": work_center_code or batch.work_center.code,
            "good_quantity": good_quantity(batch.produced_quantity, batch.defective_quantity),
            "yield_pct": yield_pct(batch.produced_quantity, batch.defective_quantity),
        }
    )


def good_quantity(produced: float, defective: float) -> float:
    return round(produced - defective, 3)


def yield_pct(produced: float, defective: float) -> float | None:
    return round(100 * (produced - defective) / produced, 2) if produced else None


def _batch_fields(batch: Batch) -> dict[str, Any]:
    return {name: getattr(batch, name) for name in _AUDITED_BATCH}


def _product(session: Session, tenant_id: uuid.UUID, product_id: uuid.UUID) -> Product:
    product = ProductLookup(session, tenant_id).get(product_id)
    if product is None:
        raise Unprocessable(f"Product {product_id} does not exist.")
    if product.deletion_mark:
        raise Unprocessable(f"Product {product.name!r} is marked for deletion in the ERP.")
    return product


def _active_work_center(
    session: Session, tenant_id: uuid.UUID, work_center_id: uuid.UUID
) -> WorkCenter:
    work_center = WorkCenterRepository(session, tenant_id).get(work_center_id)
    if work_center is None:
        raise Unprocessable(f"Work center {work_center_id} does not exist.")
    if not work_center.active:
        raise Unprocessable(f"Work center {work_center.code} is inactive.")
    return work_center


def _check_plan(planned_start: datetime, planned_finish: datetime | None) -> None:
    if planned_finish is not None and planned_finish < planned_start:
        raise Unprocessable("planned_finish is before planned_start.")


def _check_output(produced: float, defective: float) -> None:
    if defective > produced:
        raise Unprocessable(
            f"defective_quantity ({defective:g}) exceeds produced_quantity ({produced:g})."
        )


def create_batch(session: Session, tenant_id: uuid.UUID, actor: Actor, data: BatchCreate) -> Batch:
    repository = BatchRepository(session, tenant_id)
    product = _product(session, tenant_id, data.product_id)
    work_center = _active_work_center(session, tenant_id, data.work_center_id)
    _check_plan(data.planned_start, data.planned_finish)
    if repository.number_taken(data.number):
        raise Conflict(f"Batch number {data.number} is already used.")
    batch = Batch(
        **data.model_dump(exclude={"unit"}),
        unit=data.unit or product.unit or DEFAULT_UNIT,
        status=BatchStatus.planned,
        produced_quantity=0,
        defective_quantity=0,
        product=product,
        work_center=work_center,
        history=[],
    )
    try:
        with session.begin_nested():
            repository.add(batch)
    except IntegrityError:
        raise Conflict(f"Batch number {data.number} is already used.") from None
    record_change(batch, actor, None, BatchStatus.planned, None)
    cache.changed(session, tenant_id)
    audit.record(
        session, tenant_id, actor, "batch.created", "batch", batch.id, _batch_fields(batch)
    )
    webhooks.emit(session, tenant_id, "batch.created", event_data(batch))
    return batch


def get_batch(session: Session, tenant_id: uuid.UUID, batch_id: uuid.UUID) -> Batch:
    batch = BatchRepository(session, tenant_id).get_full(batch_id)
    if batch is None:
        raise NotFound("Batch not found.")
    return batch


def list_batches(
    session: Session, tenant_id: uuid.UUID, f: BatchFilter, params: PageParams
) -> tuple[list[BatchRead], int, bool]:
    """One page and the match count; past ``COUNT_LIMIT`` the count stops (``exact`` False)."""
    if params.offset + params.page_size > PAGE_WINDOW:
        raise Unprocessable(
            f"Pages are served within the first {PAGE_WINDOW} matches; narrow the filters "
            "or export the list."
        )
    repository = BatchRepository(session, tenant_id)
    page = session.execute(repository.search(f).limit(params.page_size).offset(params.offset))
    rows = [document(batch, product, center) for batch, product, center in page]
    if params.offset == 0 and len(rows) < params.page_size:
        return rows, len(rows), True  # the first page holds every match: no count needed
    limit = max(COUNT_LIMIT, params.offset + params.page_size)
    counted = repository.count_up_to(f, limit + 1)
    return rows, min(counted, limit), counted <= limit


def update_batch(
    session: Session, tenant_id: uuid.UUID, actor: Actor, batch_id: uuid.UUID, data: BatchUpdate
) -> Batch:
    batch = get_batch(session, tenant_id, batch_id)
    changes = data.model_dump(exclude_unset=True)
    changes = {
        k: v for k, v in changes.items() if v is not None or k in ("planned_finish", "notes")
    }
    _check_editable(batch, changes.keys())
    before = _batch_fields(batch)
    number = changes.get("number", batch.number)
    if number != batch.number and BatchRepository(session, tenant_id).number_taken(number):
        raise Conflict(f"Batch number {number} is already used.")
    if "product_id" in changes:
        batch.product = _product(session, tenant_id, changes.pop("product_id"))
    if "work_center_id" in changes:
        batch.work_center = _active_work_center(session, tenant_id, changes.pop("work_center_id"))
    for name, value in changes.items():
        setattr(batch, name, value)
    _check_plan(batch.planned_start, batch.planned_finish)
    _check_output(batch.produced_quantity, batch.defective_quantity)
    cache.changed(session, tenant_id)
    after = _batch_fields(batch)
    after.update(product_id=batch.product.id, work_center_id=batch.work_center.id)
    audit.record(
        session, tenant_id, actor, "batch.updated", "batch", batch.id, audit.diff(before, after)
    )
    return batch


def _check_editable(batch: Batch, fields: Any) -> None:
    status = batch.status
    for name in fields:
        if name in PLAN_FIELDS and status != BatchStatus.planned:
            raise Conflict(
                f"{name} can only change while the batch is planned; "
                f"batch {batch.number} is {status.value}."
            )
        if name in OUTPUT_FIELDS and status not in (BatchStatus.in_progress, BatchStatus.completed):
            raise Conflict(
                f"{name} can only change once the batch has started; "
                f"batch {batch.number} is {status.value}."
            )


def delete_batch(session: Session, tenant_id: uuid.UUID, actor: Actor, batch_id: uuid.UUID) -> None:
    batch = get_batch(session, tenant_id, batch_id)
    if batch.status != BatchStatus.planned:
        raise Conflict(
            f"Only planned batches can be deleted; batch {batch.number} is "
            f"{batch.status.value}. Cancel it instead."
        )
    BatchRepository(session, tenant_id).delete(batch)
    cache.changed(session, tenant_id)
    audit.record(
        session, tenant_id, actor, "batch.deleted", "batch", batch_id, {"number": batch.number}
    )


def transition(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    batch_id: uuid.UUID,
    move: BatchTransition,
) -> Batch:
    """Move a batch along the status machine, or refuse with a 409 that says why."""
    batch = get_batch(session, tenant_id, batch_id)
    source, target = batch.status, move.to
    if target not in TRANSITIONS[source]:
        raise Conflict(_refusal(batch.number, source, target), extra=_allowed(source))
    if (move.produced_quantity is not None or move.defective_quantity is not None) and (
        target != BatchStatus.completed
    ):
        raise Unprocessable("Quantities can be given with a move to completed only.")
    at = move.at or utcnow()
    if target == BatchStatus.in_progress:
        batch.actual_start = at
    elif target == BatchStatus.completed:
        if batch.actual_start is not None and at < batch.actual_start:
            raise Unprocessable("A batch cannot finish before it started.")
        batch.actual_finish = at
        if move.produced_quantity is not None:
            batch.produced_quantity = move.produced_quantity
        if move.defective_quantity is not None:
            batch.defective_quantity = move.defective_quantity
        _check_output(batch.produced_quantity, batch.defective_quantity)
    batch.status = target
    record_change(batch, actor, source, target, move.note)
    cache.changed(session, tenant_id)
    audit.record(
        session,
        tenant_id,
        actor,
        "batch.status_changed",
        "batch",
        batch.id,
        {"status": [source.value, target.value], "at": at},
    )
    webhooks.emit(
        session,
        tenant_id,
        "batch.status_changed",
        {**event_data(batch), "from_status": source.value},
    )
    return batch


def _refusal(number: str, source: BatchStatus, target: BatchStatus) -> str:
    if source == target:
        return f"Batch {number} is already {source.value}."
    if not TRANSITIONS[source]:
        return f"Batch {number} is {source.value}, which is final; it cannot become {target.value}."
    if source == BatchStatus.planned and target == BatchStatus.completed:
        return f"Batch {number} has not started; move it to in_progress before completing it."
    allowed = ", ".join(sorted(status.value for status in TRANSITIONS[source]))
    return f"Batch {number} cannot move from {source.value} to {target.value} (allowed: {allowed})."


def _allowed(source: BatchStatus) -> dict[str, Any]:
    return {"current_status": source.value, "allowed": sorted(s.value for s in TRANSITIONS[source])}


def moves_from(status: BatchStatus) -> list[BatchStatus]:
    """The allowed moves, forward ones first (as buttons show them)."""
    return [target for target in BatchStatus if target in TRANSITIONS[status]]


def record_change(
    batch: Batch,
    actor: Actor,
    source: BatchStatus | None,
    target: BatchStatus,
    note: str | None,
) -> None:
    batch.history.append(
        BatchStatusChange(
            tenant_id=batch.tenant_id,
            from_status=source,
            to_status=target,
            actor_type=actor.type,
            actor_label=actor.label,
            note=note,
            created_at=utcnow(),
        )
    )


def event_data(batch: Batch) -> dict[str, Any]:
    return document(batch).model_dump(mode="json")
