"""The unit-of-work boundary: a request's changes are committed before its response leaves."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import anyio
import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from ihub import db
from ihub.db import Database, SessionDep, after_commit
from ihub.errors import add_exception_handlers
from ihub.models import Schedule, Tenant
from tests.fixtures.server import serve_in_thread


def _app(events: list[str]) -> FastAPI:
    app = FastAPI()
    add_exception_handlers(app)

    @app.post("/orphan")
    def orphan(session: SessionDep) -> dict[str, str]:
        # No flush here: the foreign key fails only when the boundary commits.
        session.add(
            Schedule(
                tenant_id=uuid.uuid4(),
                name="x",
                kind="demo.counter",
                cron="* * * * *",
                timezone="UTC",
                params={},
            )
        )
        after_commit(session, lambda: events.append("after commit"))
        return {"status": "created"}

    return app


def test_a_failing_commit_is_the_response_not_a_success(database: Database) -> None:
    events: list[str] = []
    client = TestClient(_app(events), raise_server_exceptions=False)
    response = client.post("/orphan")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert events == []  # nothing follows a commit that did not happen


def test_a_write_is_visible_when_the_response_starts(database: Database) -> None:
    name = f"t-{uuid.uuid4().hex[:8]}"
    app = FastAPI()

    @app.post("/tenants")
    def create(session: SessionDep) -> dict[str, str]:
        session.add(Tenant(name=name))
        return {"ok": "yes"}

    seen: list[bool] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            with database.scope(write=False) as other:
                seen.append(other.scalar(select(Tenant.id).where(Tenant.name == name)) is not None)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": "/tenants",
        "raw_path": b"/tenants",
        "query_string": b"",
        "headers": [],
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    # A thread of its own: a browser test may leave an event loop running in this one.
    thread = threading.Thread(target=anyio.run, args=(app, scope, receive, send))
    thread.start()
    thread.join(30)
    assert seen == [True]


def test_after_commit_work_gets_a_connection_even_when_the_pool_has_one(database: Database) -> None:
    # The callback opens a unit of work of its own: it must run once the committed session has
    # given its connection back, or a busy pool waits on itself (an API key's first use did).
    small = Database(database.url, pool_size=1, max_overflow=0, pool_timeout=5)
    name = f"t-{uuid.uuid4().hex[:8]}"

    def rename() -> None:
        with small.scope() as other:
            other.execute(update(Tenant).where(Tenant.name == name).values(name=f"{name}-after"))

    try:
        with small.scope() as session:
            session.add(Tenant(name=name))
            after_commit(session, rename)
        with small.scope(write=False) as session:
            assert session.scalar(select(Tenant.name).where(Tenant.name.startswith(name))) == (
                f"{name}-after"
            )
    finally:
        small.dispose()


def count_tenants(session: SessionDep) -> int:
    """A dependency with a query: it runs in a worker thread of its own, before the endpoint."""
    return session.scalar(select(func.count()).select_from(Tenant)) or 0


def test_more_requests_than_connections_or_threads_all_get_answers(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A request holds its connection from its first query through the next worker thread it
    # needs. Twenty requests, two connections and two worker threads: without request slots
    # the threads end up waiting for connections held by requests that wait for threads.
    # pool_timeout: a deadlock fails in seconds, not minutes.
    small = Database(database.url, pool_size=2, max_overflow=0, pool_timeout=5)
    monkeypatch.setattr(db, "_database", small)
    app = FastAPI()
    add_exception_handlers(app)

    @app.get("/tenants")
    def count(
        session: SessionDep, counted: Annotated[int, Depends(count_tenants)]
    ) -> dict[str, int]:
        time.sleep(0.01)
        session.scalars(select(Tenant.id)).all()  # the same connection, another thread
        return {"count": counted}

    async def few_threads(scope: dict[str, Any], receive: Any, send: Any) -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        await app(scope, receive, send)

    def burst(url: str) -> list[int]:
        with ThreadPoolExecutor(20) as pool:  # a browser test may leave a loop in this thread
            responses = pool.map(lambda _: httpx.get(f"{url}/tenants", timeout=30), range(20))
            return [r.status_code for r in responses]

    try:
        with serve_in_thread(few_threads) as url:
            assert burst(url) == [200] * 20
    finally:
        small.dispose()
