"""PostgreSQL: learn of production version changes by LISTEN instead of asking per request.

Every change bumps the tenant's version and, in the same transaction, notifies
``ihub_production_version`` with the tenant id (PostgreSQL delivers it at commit). Each
process keeps one listening connection; while it listens, a version it has read stays valid
until a notification for its tenant arrives, so an answer from the cache needs no query. A
version read while a notification may have been on its way is not kept, and when the
listening connection drops, every kept version is forgotten until it listens again: meanwhile
versions are read per request, as on SQLite.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from weakref import WeakKeyDictionary

import structlog
from sqlalchemy import Engine, Pool

__all__ = ["CHANNEL", "VersionWatch", "running", "watch"]

CHANNEL = "ihub_production_version"
_RETRY_SECONDS = 1.0
_WAKE_SECONDS = 1.0  # how often the listening thread looks whether its pool was disposed

log = structlog.get_logger(__name__)


class VersionWatch:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pool = engine.pool  # disposing the engine replaces it: the watch then ends
        self._known: dict[uuid.UUID, int] = {}
        self._epoch = 0  # counts forgettings: a read that spans one is not kept
        self._listening = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="version-watch", daemon=True)
        self._thread.start()

    @property
    def listening(self) -> bool:
        return self._listening

    def version(self, tenant_id: uuid.UUID, read: Callable[[], int]) -> int:
        if self._listening and (known := self._known.get(tenant_id)) is not None:
            return known
        epoch = self._epoch
        value = read()
        with self._lock:
            if self._listening and epoch == self._epoch:
                self._known[tenant_id] = value
        return value

    def _current(self) -> bool:
        return self._engine.pool is self._pool

    def forget(self, tenant_id: uuid.UUID | None = None) -> None:
        """Drop a tenant's kept version (all of them without one); reads in flight keep none."""
        with self._lock:
            self._epoch += 1
            if tenant_id is None:
                self._known.clear()
            else:
                self._known.pop(tenant_id, None)

    def _run(self) -> None:
        while self._current():
            try:
                self._listen()
            except Exception as exc:  # a dropped connection, a restarted server: listen again
                log.warning("version_watch_lost", error=repr(exc))
                time.sleep(_RETRY_SECONDS)
        with _watches_lock:
            _watches.pop(self._pool, None)

    def _listen(self) -> None:
        pooled = self._engine.raw_connection()
        connection = pooled.driver_connection
        assert connection is not None
        pooled.detach()  # held while the process runs, not the pool's to hand out
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self.forget()
            self._listening = True
            while self._current():
                for notify in connection.notifies(timeout=_WAKE_SECONDS):
                    self.forget(uuid.UUID(notify.payload))
        finally:
            self._listening = False
            self.forget()
            connection.close()


# By pool: an engine and its execution_options() copies (the write sessions' bind) share one.
_watches: WeakKeyDictionary[Pool, VersionWatch] = WeakKeyDictionary()
_watches_lock = threading.Lock()


def running(engine: Engine) -> VersionWatch | None:
    """The engine's watch if something in this process reads versions through it."""
    with _watches_lock:
        return _watches.get(engine.pool)


def watch(engine: Engine) -> VersionWatch:
    """The watch of the engine's pool, started on first use; it ends when the pool does."""
    found = _watches.get(engine.pool)  # every cached read asks: no lock once it exists
    if found is not None:
        return found
    with _watches_lock:
        found = _watches.get(engine.pool)
        if found is None:
            found = _watches[engine.pool] = VersionWatch(engine)
        return found
