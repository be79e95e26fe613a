"""The run machinery, driven in-process through the same function the Celery task calls."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import update

from ihub.config import get_settings
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.kit.failures import Terminal, Transient
from ihub.models import Run
from ihub.runs import runner
from ihub.runs.context import RunContext
from ihub.runs.registry import run_kind
from ihub.runs.sweep import sweep
from tests.fixtures.worker import wait_for


class Boom(BaseModel):
    mode: str = "terminal"


class _Outage(Transient):
    pass


class _BadLogin(Terminal):
    pass


@run_kind("test.boom", title="Test failure", params=Boom, exclusive=False)
def _boom(ctx: RunContext, params: Boom) -> None:
    step = ctx.step("only", total=3)
    step.add(processed=1, inserted=1)
    ctx.save({"done": 1})
    if params.mode == "terminal_mid_slice":
        step.add(processed=1)  # uncommitted work: the rollback expires the run object
        raise _BadLogin("Allegro no longer accepts the refresh token")
    if params.mode == "terminal":
        raise _BadLogin("1C answered 401: check the login and password of the connection")
    if params.mode == "transient":
        raise _Outage("1C answered 503")
    raise RuntimeError("a bug")


def start(api: TestClient, kind: str = "demo.counter", **params: Any) -> str:
    response = api.post("/api/v1/runs", json={"kind": kind, "params": params})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def get(api: TestClient, run_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/runs/{run_id}")
    assert response.status_code == 200
    return dict(response.json())


class TestCompletion:
    def test_counter_runs_to_completed_with_counters(self, api: TestClient) -> None:
        run_id = start(api, count=25, delay_ms=0, steps=2, batch=10)
        runner.execute(uuid.UUID(run_id))
        run = get(api, run_id)
        assert run["status"] == "completed"
        assert [s["name"] for s in run["steps"]] == ["step 1", "step 2"]
        assert all(s["processed"] == 25 and s["total"] == 25 for s in run["steps"])
        assert all(s["status"] == "completed" for s in run["steps"])
        assert run["totals"]["inserted"] == 50
        assert run["attempt"] == 1
        assert run["finished_at"] is not None

    def test_record_errors_end_completed_with_errors(self, api: TestClient) -> None:
        run_id = start(api, count=20, delay_ms=0, error_every=7)
        runner.execute(uuid.UUID(run_id))
        assert get(api, run_id)["status"] == "completed_with_errors"
        errors = api.get(f"/api/v1/runs/{run_id}/errors").json()
        assert errors["total"] == 2
        assert [(e["external_id"], e["field"], e["value"]) for e in errors["items"]] == [
            ("7", "n", "7"),
            ("14", "n", "14"),
        ]

    def test_second_delivery_of_the_task_does_nothing(self, api: TestClient) -> None:
        run_id = start(api, count=3, delay_ms=0)
        runner.execute(uuid.UUID(run_id))
        runner.execute(uuid.UUID(run_id))
        run = get(api, run_id)
        assert run["attempt"] == 1
        assert run["totals"]["processed"] == 3

    def test_finish_is_written_to_the_integration_log(self, api: TestClient) -> None:
        run_id = start(api, count=2, delay_ms=0)
        runner.execute(uuid.UUID(run_id))
        logs = api.get("/api/v1/logs", params={"run_id": run_id}).json()["items"]
        assert [entry["status"] for entry in logs] == ["completed", "started"]


class TestFailures:
    def test_terminal_error_fails_with_the_message(self, api: TestClient) -> None:
        run_id = start(api, "test.boom", mode="terminal")
        runner.execute(uuid.UUID(run_id))
        run = get(api, run_id)
        assert run["status"] == "failed"
        assert "check the login and password" in run["error"]
        assert run["steps"][0]["processed"] == 1  # the committed slice is kept, not the next
        assert run["steps"][0]["status"] == "failed"

    def test_terminal_error_in_the_middle_of_a_slice_drops_only_that_slice(
        self, api: TestClient
    ) -> None:
        run_id = start(api, "test.boom", mode="terminal_mid_slice")
        runner.execute(uuid.UUID(run_id))
        run = get(api, run_id)
        assert run["status"] == "failed"
        assert run["error"] == "Allegro no longer accepts the refresh token"
        assert run["steps"][0]["processed"] == 1

    def test_bug_fails_the_run_as_internal_error(self, api: TestClient) -> None:
        run_id = start(api, "test.boom", mode="bug")
        runner.execute(uuid.UUID(run_id))
        run = get(api, run_id)
        assert run["status"] == "failed"
        assert run["error"].startswith("Internal error (RuntimeError)")

    def test_transient_error_requeues_then_gives_up(
        self, api: TestClient, database: Database
    ) -> None:
        run_id = start(api, "test.boom", mode="transient")
        for attempt in range(1, get_settings().run_max_attempts + 1):
            runner.execute(uuid.UUID(run_id))
            run = get(api, run_id)
            if attempt < get_settings().run_max_attempts:
                assert run["status"] == "queued"
                assert "retrying" in run["error"]
        assert run["status"] == "failed"
        assert run["error"].startswith(f"Gave up after {get_settings().run_max_attempts} attempts")


class TestCancel:
    def test_cancel_of_a_queued_run_is_immediate(self, api: TestClient) -> None:
        run_id = start(api, count=5)
        response = api.post(f"/api/v1/runs/{run_id}/cancel")
        assert response.status_code == 202
        assert response.json()["status"] == "cancelled"
        runner.execute(uuid.UUID(run_id))
        assert get(api, run_id)["attempt"] == 0

    def test_cancel_stops_a_running_run_within_a_slice(self, api: TestClient) -> None:
        run_id = start(api, count=500, delay_ms=5, batch=10)
        worker = threading.Thread(target=runner.execute, args=(uuid.UUID(run_id),))
        worker.start()
        wait_for(lambda: get(api, run_id)["totals"]["processed"] >= 10)
        assert api.post(f"/api/v1/runs/{run_id}/cancel").json()["cancel_requested"] is True
        worker.join(30)
        run = get(api, run_id)
        assert run["status"] == "cancelled"
        assert run["steps"][0]["status"] == "cancelled"
        assert run["totals"]["processed"] < 500
        assert run["totals"]["processed"] % 10 == 0  # it stopped at a slice boundary

    def test_cancel_of_a_finished_run_is_a_conflict(self, api: TestClient) -> None:
        run_id = start(api, count=1, delay_ms=0)
        runner.execute(uuid.UUID(run_id))
        response = api.post(f"/api/v1/runs/{run_id}/cancel")
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"


class TestSweep:
    def test_a_silent_run_resumes_from_its_checkpoint_without_duplicates(
        self, api: TestClient, database: Database
    ) -> None:
        run_id = uuid.UUID(start(api, count=30, delay_ms=0, batch=10))
        # Simulate a worker that committed two slices and died.
        original_save = RunContext.save
        calls = {"n": 0}

        def dying_save(self: RunContext, checkpoint: dict[str, Any] | None = None) -> None:
            original_save(self, checkpoint)
            if checkpoint and checkpoint.get("n") == 20:
                raise SystemExit("worker killed")

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(RunContext, "save", dying_save)
            with pytest.raises(SystemExit):
                runner.execute(run_id)
        del calls
        assert get(api, str(run_id))["status"] == "running"
        with database.scope() as session:
            assert sweep(session, get_settings())["resumed"] == 0  # heartbeat still fresh
            stale = utcnow() - timedelta(seconds=get_settings().run_stale_after_seconds + 1)
            session.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=stale))
        with database.scope() as session:
            assert sweep(session, get_settings())["resumed"] == 1
        assert get(api, str(run_id))["status"] == "queued"
        runner.execute(run_id)
        run = get(api, str(run_id))
        assert run["status"] == "completed"
        assert run["attempt"] == 2
        assert run["steps"][0]["inserted"] == 30  # 20 before the crash + 10 after, none twice

    def test_an_old_attempt_cannot_write_after_the_run_moved_on(
        self, api: TestClient, database: Database
    ) -> None:
        run_id = uuid.UUID(start(api, count=3, delay_ms=0))
        with database.scope() as session:
            session.execute(update(Run).where(Run.id == run_id).values(status="running", attempt=5))
        runner.execute(run_id)  # cannot claim: someone else's
        assert get(api, str(run_id))["attempt"] == 5
