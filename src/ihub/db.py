"""Engine, sessions and the unit-of-work boundary.

Services never commit: the request (``SessionDep``) or the task (``Database.scope``) does.
Work that must follow a commit (enqueueing a Celery task) is registered with
``after_commit(session, fn)`` and runs only if the transaction really committed, once its
connection is back in the pool.

On SQLite a writing unit of work starts with ``BEGIN IMMEDIATE``: a deferred transaction that
reads and then writes fails at once with "database is locked" when another process wrote in
between, whereas an immediate one waits its turn (``busy_timeout``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from weakref import WeakKeyDictionary

import anyio
import structlog
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = structlog.get_logger(__name__)

_AFTER_COMMIT = "ihub_after_commit"
_COMMITTED = "ihub_committed"


class Database:
    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"pool_size": 10, "max_overflow": 20}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        kwargs |= engine_options
        self.engine: Engine = create_engine(url, **kwargs)
        self._request_slots_total = max(1, (kwargs["pool_size"] + kwargs["max_overflow"]) // 2)
        self._request_slots: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter]
        self._request_slots = WeakKeyDictionary()
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(write_bind, expire_on_commit=False)

    def request_slots(self) -> anyio.CapacityLimiter:
        """How many requests may hold a session at once; half the pool leaves room for the
        sessions a request's follow-up work opens. One limiter per event loop."""
        loop = asyncio.get_running_loop()
        if (slots := self._request_slots.get(loop)) is None:
            slots = self._request_slots[loop] = anyio.CapacityLimiter(self._request_slots_total)
        return slots

    def session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def scope(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on error."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so that we can choose DEFERRED or IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Checkpoint the WAL every ~40 MB instead of every ~4 MB: a page of a bulk import
        # dirties hundreds of pages, and the default checkpoints (with an fsync) on almost
        # every commit (1C import of 100 000 rows: 15 ms less per page of 1000).
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the real commit is still to come
    session.info[_COMMITTED] = session.info.pop(_AFTER_COMMIT, [])


@event.listens_for(Session, "after_transaction_end")
def _run_committed(session: Session, transaction: SessionTransaction) -> None:
    # Only now is the connection back in the pool: a callback that opens a session of its own
    # while this one still held it could wait for the pool forever when every connection was
    # held the same way (fifty requests with a new API key each touching it did exactly that).
    if transaction.parent is not None:
        return
    for callback in session.info.pop(_COMMITTED, []):
        try:
            callback()
        except Exception:
            # The data is committed; a lost follow-up is recovered by the run sweep.
            log.exception("after_commit_failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_AFTER_COMMIT, None)


_database: Database | None = None


def configure(url: str) -> Database:
    global _database
    if _database is not None:
        _database.dispose()
    _database = Database(url)
    return _database


def get_database() -> Database:
    if _database is None:
        from ihub.config import get_settings

        return configure(get_settings().sqlalchemy_url)
    return _database


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: committed when the endpoint returns.

    A request keeps its connection across several worker threads (authentication, endpoint,
    commit). Were more requests holding connections than the pool has, the others would sit in
    worker threads waiting for the pool while the holders wait for a worker thread: a
    deadlock under load. So a request first takes one of the database's request slots, fewer
    than its connections, and waits for it on the event loop, not in a thread.
    """
    database = get_database()
    async with database.request_slots():
        session = database.session(write=request.method in _WRITE_METHODS)
        try:
            yield session
        except BaseException:
            await _end(session, commit=False)
            raise
        await _end(session, commit=True)


async def _end(session: Session, *, commit: bool) -> None:
    if session.in_transaction() or session.new:
        await _end_in_thread(session, commit=commit)
    else:  # never took a connection (a cached answer): nothing to commit, nothing to wait for
        session.close()


async def _end_in_thread(session: Session, *, commit: bool) -> None:
    def end() -> None:
        try:
            if commit:
                session.commit()
        finally:
            session.close()  # rolls back whatever was not committed

    # Shielded: a client that goes away must not leave the connection checked out. A limiter
    # of its own: ending must not wait for a worker thread behind requests that wait for it.
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(end, limiter=anyio.CapacityLimiter(1))


# scope="function" commits before the response is sent (FastAPI's default, "request", would
# commit afterwards: a client could see 201 for a write that then fails, or read before it
# lands). Every endpoint and dependency must use this one alias, so they share one session.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
