"""Analytics results and batch list pages cached per tenant and data version.

Every batch change bumps the tenant's row in ``production_versions`` in its own transaction;
a cached result is used only while that version is unchanged, so a change made by any
process (API, worker, import) is seen by the next request (on PostgreSQL, once its
notification has arrived: ``version_watch``). Product renames bump it too:
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
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Dialect, Engine, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ihub.db import after_commit
from ihub.models import ProductionVersion
from ihub.production import version_watch

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
        bind = self.session.get_bind()
        if isinstance(bind, Engine) and not (self.session.in_transaction() or self.session.new):
            if bind.dialect.name != "postgresql":
                return _probe(bind, self.tenant_id)
            return version_watch.watch(bind).version(
                self.tenant_id, lambda: _probe(bind, self.tenant_id)
            )
        return self.session.scalar(_VERSION, {"tenant": self.tenant_id}) or 0

    def bump(self) -> None:
        bind = self.session.get_bind()
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            # Other processes hear of it when this commits; this one at once (a worker that
            # never reads versions has no watch, and starts none for this).
            self.session.execute(select(func.pg_notify(version_watch.CHANNEL, str(self.tenant_id))))
            if (watch := version_watch.running(bind)) is not None:
                tenant_id = self.tenant_id
                after_commit(self.session, lambda: watch.forget(tenant_id))
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


_VERSION = select(ProductionVersion.version).where(
    ProductionVersion.tenant_id == bindparam("tenant")
)


@lru_cache(maxsize=4)
def _probe_statement(dialect: Dialect) -> tuple[str, bool, Callable[[Any], Any] | None]:
    compiled = _VERSION.compile(dialect=dialect)
    tenant_type = ProductionVersion.__table__.c.tenant_id.type.dialect_impl(dialect)
    return str(compiled), compiled.positional, tenant_type.bind_processor(dialect)


def _probe(engine: Engine, tenant_id: uuid.UUID) -> int:
    """The version, read on a pooled connection of its own outside the session's transaction.

    A request answered from the cache then opens no transaction at all: no BEGIN and COMMIT,
    and in the API no worker thread to end it (a third of a cached answer's time).
    """
    sql, positional, process = _probe_statement(engine.dialect)
    value = process(tenant_id) if process else tenant_id
    connection = engine.raw_connection()
    # One SELECT needs no transaction; on PostgreSQL, without one the pool has no ROLLBACK to
    # send when the connection goes back (SQLite's connections run without one already).
    postgres = engine.dialect.name == "postgresql"
    try:
        if postgres:
            connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        cursor = connection.cursor()
        cursor.execute(sql, (value,) if positional else {"tenant": value})
        row = cursor.fetchone()
    finally:
        if postgres:
            connection.driver_connection.autocommit = False  # type: ignore[union-attr]
        connection.close()
    return int(row[0]) if row else 0


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
