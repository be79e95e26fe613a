"""PostgreSQL: versions learnt by LISTEN stay right when another process changes data, and
when the listening connection is lost."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from ihub.db import Database
from ihub.production import cache, version_watch
from ihub.production.version_watch import VersionWatch
from tests.fixtures.app import TenantHandle
from tests.fixtures.database import is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="LISTEN/NOTIFY is PostgreSQL's")


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def elsewhere(database: Database) -> Iterator[Database]:
    """The same database through another engine, as another API process or a worker sees it."""
    other = Database(str(database.engine.url.render_as_string(hide_password=False)))
    yield other
    other.dispose()


def read(database: Database, tenant_id: uuid.UUID) -> int:
    with database.scope(write=False) as session:
        return cache.ProductionVersions(session, tenant_id).current()


def bump(database: Database, tenant_id: uuid.UUID) -> None:
    with database.scope() as session:
        cache.changed(session, tenant_id)


# The listening connections of the test database, found by what they last ran.
LISTENERS = (
    f"FROM pg_stat_activity WHERE query = 'LISTEN {version_watch.CHANNEL}' "
    "AND datname = current_database()"
)


def listening(database: Database, tenant: TenantHandle) -> tuple[VersionWatch, uuid.UUID, int]:
    """The database's watch once it listens, the tenant, and the tenant's version now."""
    watch = version_watch.watch(database.engine)
    assert eventually(lambda: watch.listening)
    tenant_id = uuid.UUID(tenant.tenant_id)
    return watch, tenant_id, read(database, tenant_id)


def test_a_change_made_elsewhere_reaches_the_next_reads(
    database: Database, elsewhere: Database, tenant: TenantHandle
) -> None:
    _, tenant_id, before = listening(database, tenant)
    assert read(database, tenant_id) == before  # kept: no query
    bump(elsewhere, tenant_id)
    assert eventually(lambda: read(database, tenant_id) == before + 1)
    bump(database, tenant_id)
    assert read(database, tenant_id) == before + 2  # this process forgets at its own commit


def test_while_not_listening_every_read_asks_the_database(
    database: Database, elsewhere: Database, tenant: TenantHandle
) -> None:
    watch, tenant_id, before = listening(database, tenant)
    with elsewhere.scope() as session:  # the listening connection is cut
        session.execute(text(f"SELECT pg_terminate_backend(pid) {LISTENERS}"))
    assert eventually(lambda: not watch.listening)
    bump(elsewhere, tenant_id)
    assert read(database, tenant_id) == before + 1
    assert eventually(lambda: watch.listening)  # and it listens again
    bump(elsewhere, tenant_id)
    assert eventually(lambda: read(database, tenant_id) == before + 2)


def test_a_disposed_engine_stops_listening(database: Database, elsewhere: Database) -> None:
    def listeners() -> int:
        with database.scope(write=False) as session:
            return int(session.scalar(text(f"SELECT count(*) {LISTENERS}")) or 0)

    assert eventually(lambda: version_watch.watch(database.engine).listening)
    alone = listeners()
    assert eventually(lambda: version_watch.watch(elsewhere.engine).listening)
    assert listeners() == alone + 1
    elsewhere.dispose()
    assert eventually(lambda: listeners() == alone)
