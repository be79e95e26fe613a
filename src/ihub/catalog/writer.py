"""Page-sized bulk upserts for imports: one SELECT of the page's keys, then one bulk INSERT
and one bulk UPDATE (executemany), the same on SQLite and PostgreSQL. Never commits.

Imports of one connection never overlap (an import run is exclusive per connection), so no
other writer can slip a row in between the SELECT and the INSERT.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ihub.catalog.repository import (
    BulkRepository,
    ImportedRepository,
    ProductRepository,
    StockRepository,
)
from ihub.kit.clock import utcnow
from ihub.kit.ids import ordered_uuid
from ihub.models import Warehouse

__all__ = ["Counts", "Statistics", "upsert_stock", "upsert_versioned", "zero_unseen_stock"]


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    unlinked: list[dict[str, Any]] | None = None  # stock rows whose product is not imported


class Statistics:
    """Keeps the planner's statistics in step with a table an import is filling.

    A table filled in one go has no statistics; PostgreSQL then plans each page's lookup
    (``external_id IN (…1000 keys)``) as a scan of all the connection's rows, and a first
    import of N rows costs O(N²). Analysing whenever the import's inserts have doubled keeps
    every lookup an index probe, for about log2(N / 1000) quick ``ANALYZE`` runs.
    """

    def __init__(self, repository: BulkRepository[Any]) -> None:
        self.repository = repository
        self.inserted = 0
        self.next_at = 1000

    def grew(self, inserted: int) -> None:
        """Call after a page is committed, with the rows it inserted."""
        self.inserted += inserted
        if self.inserted >= self.next_at:
            self.repository.analyze()
            self.next_at = self.inserted * 2


def upsert_versioned(
    repository: ImportedRepository[Any], connection_id: uuid.UUID, records: Sequence[dict[str, Any]]
) -> Counts:
    """Insert new rows, update those whose ``data_version`` changed, leave the rest alone.

    The records become the rows written (they are completed in place, not copied).
    """
    by_key = {record["external_id"]: record for record in records}
    existing = repository.existing(connection_id, by_key, "data_version")
    now = utcnow()
    inserts, updates = [], []
    for key, record in by_key.items():
        row = existing.get(key)
        if row is None:
            record.update(
                id=ordered_uuid(), connection_id=connection_id, created_at=now, updated_at=now
            )
            inserts.append(record)
        elif row.data_version != record["data_version"]:
            record.update(id=row.id, updated_at=now)
            updates.append(record)
    repository.insert_many(inserts)
    repository.update_many(updates)
    return Counts(len(inserts), len(updates), len(records) - len(inserts) - len(updates))


def upsert_stock(
    stock: StockRepository,
    products: ProductRepository,
    connection_id: uuid.UUID,
    warehouse: Warehouse,
    run_id: uuid.UUID,
    records: Sequence[dict[str, Any]],
) -> Counts:
    """Write one page of one warehouse's balances, linked to the imported products."""
    by_key = {(r["product_external_id"], r["warehouse_external_id"]): r for r in records}
    linked = products.existing(connection_id, {product for product, _ in by_key})
    existing = stock.existing(connection_id, by_key)
    now = utcnow()
    inserts, updates, seen, unlinked = [], [], [], []
    for key, record in by_key.items():
        product = linked.get(key[0])
        if product is None:
            unlinked.append(record)
        values = {
            "quantity": record["quantity"],
            "reserved": record["reserved"],
            "product_id": product.id if product else None,
            "warehouse_id": warehouse.id,
            "last_run_id": run_id,
            "synced_at": now,
        }
        row = existing.get(key)
        if row is None:
            record.update(
                values,
                id=ordered_uuid(),
                connection_id=connection_id,
                created_at=now,
                updated_at=now,
            )
            inserts.append(record)
        elif (row.quantity, row.reserved, row.product_id, row.warehouse_id) != (
            values["quantity"],
            values["reserved"],
            values["product_id"],
            values["warehouse_id"],
        ):
            updates.append({**values, "id": row.id, "updated_at": now})
        else:
            seen.append(row.id)
    stock.insert_many(inserts)
    stock.update_many(updates)
    stock.mark_seen(seen, run_id, now)  # unchanged, but seen: not to be zeroed at the end
    return Counts(len(inserts), len(updates), len(records) - len(inserts) - len(updates), unlinked)


def zero_unseen_stock(stock: StockRepository, connection_id: uuid.UUID, run_id: uuid.UUID) -> int:
    """After a full stock import: what the register no longer shows is no longer in stock."""
    now = utcnow()
    return stock.zero_unseen(connection_id, run_id, {"synced_at": now, "updated_at": now})
