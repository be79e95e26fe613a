"""Analytics results and batch list pages cached per tenant and data version.

Every batch change bumps the tenant's row in ``production_versions`` in its own transaction;
a cached result is used only while that version is unchanged, so a change made by any
process (API, worker, import) is seen by the next request. Product renames bump it too:
lists and analytics show product names. Measured in ``bench/production.py``:
at a million batches a year of weekly output takes hundreds of milliseconds to compute and
a few to serve from here. Each process keeps its own small LRU; nothing is shared but the
version row.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ihub.models import ProductionVersion

T = TypeVar("T")
MAX_ENTRIES = 512

_entries: OrderedDict[Hashable, object] = OrderedDict()
_flights: dict[Hashable, threading.Lock] = {}
_lock = threading.Lock()


class ProductionVersions:
    """The version counter; touched only through these two queries, keyed by tenant."""

    def __init__(self, session: Session, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def current(self) -> int:
        stmt = select(ProductionVersion.version).where(
            ProductionVersion.tenant_id == self.tenant_id
        )
        return self.session.scalar(stmt) or 0

    def bump(self) -> None:
        result = self.session.execute(
            update(ProductionVersion)
            .where(ProductionVersion.tenant_id == self.tenant_id)
            .values(version=ProductionVersion.version + 1)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return
        try:
            with self.session.begin_nested():
                self.session.add(ProductionVersion(tenant_id=self.tenant_id, version=1))
        except IntegrityError:  # a concurrent first change created the row: count on it
            self.session.execute(
                update(ProductionVersion)
                .where(ProductionVersion.tenant_id == self.tenant_id)
                .values(version=ProductionVersion.version + 1)
            )


def changed(session: Session, tenant_id: uuid.UUID) -> None:
    """Call in the transaction that changes batches: cached figures become stale with it."""
    ProductionVersions(session, tenant_id).bump()


def cached(session: Session, tenant_id: uuid.UUID, key: Hashable, compute: Callable[[], T]) -> T:
    full_key = (tenant_id, ProductionVersions(session, tenant_id).current(), key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            return _entries[full_key]  # type: ignore[return-value]
        flight = _flights.setdefault(full_key, threading.Lock())
    # One request computes a missing figure; the others asking for it meanwhile wait for its
    # result (fifty clients missing a year of weekly output at once made fifty computations).
    with flight:
        with _lock:
            if full_key in _entries:
                return _entries[full_key]  # type: ignore[return-value]
        try:
            value = compute()
            with _lock:
                _entries[full_key] = value
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        finally:
            with _lock:
                _flights.pop(full_key, None)
    return value
