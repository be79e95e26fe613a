"""The request's unit of work is committed before its response starts."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ihub.db import Database, SessionDep, after_commit


def test_the_request_commits_before_the_response_starts(database: Database) -> None:
    events: list[str] = []
    app = FastAPI()

    @app.post("/write")
    def write(session: SessionDep) -> dict[str, bool]:
        session.connection()  # open the transaction the commit will end
        after_commit(session, lambda: events.append("committed"))
        return {"ok": True}

    def recording(inner: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    events.append("response started")
                await send(message)

            await inner(scope, receive, sending)

        return middleware

    with TestClient(recording(app)) as client:
        assert client.post("/write").status_code == 200
    # A client following a redirect, or reading back what it wrote, must find it committed.
    assert events == ["committed", "response started"]
