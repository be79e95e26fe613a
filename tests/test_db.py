"""The unit-of-work boundary: a request's changes are committed before its response leaves."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ihub.db import Database, SessionDep, after_commit
from ihub.errors import add_exception_handlers
from ihub.models import Schedule


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
