"""The request's unit of work is committed before its response starts."""

from __future__ import annotations

import threading
import uuid
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from ihub.db import CommitBeforeResponse, Database, get_session
from ihub.models import Tenant


def test_a_write_is_visible_when_the_response_starts(database: Database) -> None:
    name = f"t-{uuid.uuid4().hex[:8]}"
    app = FastAPI()

    @app.post("/tenants")
    def create(session: Annotated[Session, Depends(get_session)]) -> dict[str, str]:
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
    thread = threading.Thread(
        target=anyio.run, args=(CommitBeforeResponse(app), scope, receive, send)
    )
    thread.start()
    thread.join(30)
    assert seen == [True]
