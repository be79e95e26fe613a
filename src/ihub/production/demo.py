"""Demo plant: work centers, local products and a few thousand batches over recent weeks."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ihub.config import Settings
from ihub.kit.clock import utcnow
from ihub.kit.ids import ordered_uuid
from ihub.models import Batch, BatchStatus, BatchStatusChange, Product, WorkCenter
from ihub.production import cache
from ihub.production.repository import WorkCenterRepository
from ihub.production.service import DEFAULT_UNIT

# Capacities put the plan at roughly 75-105 % of what each work center can make.
WORK_CENTERS = [
    ("EXT-1", "Extrusion line 1", "line", 2000, 3),
    ("EXT-2", "Extrusion line 2", "line", 2500, 2),
    ("CNC-1", "CNC machining cell", "cell", 3000, 2),
    ("PACK", "Packing", "manual", 7000, 1),
]
PRODUCTS = [
    ("PIPE-20", "PE pipe 20 mm", "m"),
    ("PIPE-32", "PE pipe 32 mm", "m"),
    ("FIT-T20", "Tee fitting 20 mm", "pcs"),
    ("FIT-E32", "Elbow fitting 32 mm", "pcs"),
    ("VALVE-20", "Ball valve 20 mm", "pcs"),
    ("KIT-20", "Installation kit 20 mm", "pcs"),
]
DAYS_BACK, DAYS_AHEAD, PER_DAY = 42, 5, 64
ACTOR = ("system", "demo")


def seed(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    """Idempotent: a tenant that has work centers already is left alone."""
    centers = WorkCenterRepository(session, tenant_id)
    if centers.list(centers.search().limit(1)):
        return
    rng = random.Random(str(tenant_id))
    wcs = [
        centers.add(WorkCenter(code=c, name=n, kind=k, capacity_per_shift=cap, shifts_per_day=s))
        for c, n, k, cap, s in WORK_CENTERS
    ]
    products = []
    for sku, name, unit in PRODUCTS:
        product = Product(tenant_id=tenant_id, sku=sku, name=name, unit=unit)
        session.add(product)
        products.append(product)
    session.flush()
    batches, history = plant_batches(rng, tenant_id, wcs, products, utcnow())
    session.execute(insert(Batch), batches)
    session.execute(insert(BatchStatusChange), history)
    cache.changed(session, tenant_id)


def plant_batches(
    rng: random.Random,
    tenant_id: uuid.UUID,
    work_centers: list[WorkCenter],
    products: list[Product],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Bulk-insert rows: past batches done (some cancelled), current ones running, later planned."""
    batches: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    start_day = (now - timedelta(days=DAYS_BACK)).replace(hour=5, minute=0, second=0, microsecond=0)
    serial = 0
    for day in range(DAYS_BACK + DAYS_AHEAD):
        for _ in range(PER_DAY):
            serial += 1
            wc, product = rng.choice(work_centers), rng.choice(products)
            planned = float(rng.randrange(50, 600, 10))
            start = start_day + timedelta(days=day, minutes=rng.randrange(0, 16 * 60))
            row: dict[str, Any] = {
                "id": ordered_uuid(),  # bulk rows: time-ordered ids append to the index
                "tenant_id": tenant_id,
                "number": f"B-{start:%y%m%d}-{serial:05d}",
                "product_id": product.id,
                "work_center_id": wc.id,
                "unit": product.unit or DEFAULT_UNIT,
                "planned_quantity": planned,
                "produced_quantity": 0.0,
                "defective_quantity": 0.0,
                "planned_start": start,
                "planned_finish": start + timedelta(hours=6),
                "actual_start": None,
                "actual_finish": None,
                "notes": None,
                "status": BatchStatus.planned,
                "created_at": start - timedelta(days=2),
                "updated_at": start - timedelta(days=2),
            }
            moves: list[tuple[BatchStatus | None, BatchStatus, datetime]] = [
                (None, BatchStatus.planned, row["created_at"])
            ]
            finish = start + timedelta(hours=rng.uniform(3, 8))
            if finish < now and rng.random() < 0.03:
                moves.append((BatchStatus.planned, BatchStatus.cancelled, start))
                row["status"] = BatchStatus.cancelled
            elif finish < now:
                produced = round(planned * rng.uniform(0.9, 1.05))
                row.update(
                    status=BatchStatus.completed,
                    actual_start=start,
                    actual_finish=finish,
                    produced_quantity=float(produced),
                    defective_quantity=float(round(produced * rng.uniform(0, 0.06))),
                    updated_at=finish,
                )
                moves.append((BatchStatus.planned, BatchStatus.in_progress, start))
                moves.append((BatchStatus.in_progress, BatchStatus.completed, finish))
            elif start < now:
                row.update(status=BatchStatus.in_progress, actual_start=start)
                moves.append((BatchStatus.planned, BatchStatus.in_progress, start))
            batches.append(row)
            history.extend(
                {
                    "tenant_id": tenant_id,
                    "batch_id": row["id"],
                    "from_status": source,
                    "to_status": target,
                    "actor_type": ACTOR[0],
                    "actor_label": ACTOR[1],
                    "note": None,
                    "created_at": at,
                }
                for source, target, at in moves
            )
    return batches, history
