"""Engine, sessions and the unit-of-work boundary.

Services never commit: the request (``get_session``) or the task (``session_scope``) does.
Work that must follow a commit (enqueueing a Celery task) is registered with
``after_commit(session, fn)`` and runs only if the transaction really committed.

On SQLite a writing unit of work starts with ``BEGIN IMMEDIATE``: a deferred transaction that
reads and then writes fails at once with "database is locked" when another process wrote in
between, whereas an immediate one waits its turn (``busy_timeout``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

_AFTER_COMMIT = "ihub_after_commit"


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(write_bind, expire_on_commit=False)

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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released; the real commit is still to come
    for callback in session.info.pop(_AFTER_COMMIT, []):
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


_REQUEST_SESSIONS = "ihub.sessions"


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work, committed by ``CommitBeforeResponse`` as the response starts.

    FastAPI closes a dependency with ``yield`` only after the response has been sent, so the
    commit in ``scope()`` alone would let a client see a 201 or a redirect before the data is
    visible (or for a write that then fails to commit). Here it is only the fallback.
    """
    with get_database().scope(write=request.method in _WRITE_METHODS) as session:
        request.scope.setdefault(_REQUEST_SESSIONS, []).append(session)
        yield session


class CommitBeforeResponse:
    """Pure ASGI middleware: commit the request's sessions before the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_after_commit(message: Message) -> None:
            if message["type"] == "http.response.start":
                for session in scope.pop(_REQUEST_SESSIONS, []):
                    # A failed commit raises here, before anything was sent: the client gets
                    # the 500 problem instead of a success for a change that did not happen.
                    await run_in_threadpool(session.commit)
            await send(message)

        await self.app(scope, receive, send_after_commit)
