"""The worker side of a run: claim, heartbeat, call the handler, record the outcome.

This is a task boundary, so it commits: per slice through ``RunContext.save`` and once more
for the final status. Every write is fenced on the attempt number, so a worker that lost its
run to the sweep cannot overwrite the newer attempt's work.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ihub.config import get_settings
from ihub.db import Database, after_commit, get_database
from ihub.kit.clock import utcnow
from ihub.kit.failures import Terminal, Transient
from ihub.logs import service as logs
from ihub.models import Run, RunStatus, StepStatus
from ihub.runs import service
from ihub.runs.context import RunCancelled, RunContext, RunSuperseded
from ihub.runs.registry import get_kind
from ihub.runs.repository import WorkerRunQueries

log = structlog.get_logger(__name__)

WORKER_NAME = f"{socket.gethostname()}:{threading.get_native_id()}"


def execute(run_id: uuid.UUID) -> None:
    """Work on one run until it finishes, fails, is cancelled or is handed back to the queue."""
    database = get_database()
    with structlog.contextvars.bound_contextvars(run_id=str(run_id)):
        with database.scope() as session:
            claimed = WorkerRunQueries(session).claim(run_id, WORKER_NAME, utcnow())
        if not claimed:
            _settle_unclaimable(run_id)
            return
        session = database.session()
        try:
            run = WorkerRunQueries(session).load(run_id)
            assert run is not None
            with _heartbeat(database, run.id, run.attempt):
                _work(session, run)
        finally:
            session.close()


def _settle_unclaimable(run_id: uuid.UUID) -> None:
    """A queued run with a pending cancel is cancelled here; anything else is someone else's."""
    with get_database().scope() as tx:
        run = WorkerRunQueries(tx).load(run_id)
        if run is not None and run.status == RunStatus.queued and run.cancel_requested_at:
            _finalize(tx, run, RunStatus.cancelled, "Cancelled before it started.")


def _work(session: Session, run: Run) -> None:
    kind = get_kind(run.kind)
    # Plain values, not ``run``'s attributes: a rollback expires ``run``, and reloading it would
    # open a transaction on this session that, on SQLite, blocks the final status write.
    run_id, attempt = run.id, run.attempt
    log.info("run_started", kind=run.kind, attempt=attempt)
    try:
        params = kind.params_model.model_validate(run.params)
        ctx = RunContext(session, run, params)
        if run.attempt == 1:
            ctx.log(f"{kind.title} started.", status="started")
        else:
            ctx.log(f"{kind.title} resumed (attempt {run.attempt}).", status="resumed")
        ctx.save()
        kind.handler(ctx, params)
        ctx.session.flush()
    except RunSuperseded:
        log.warning("run_superseded")
        return
    except RunCancelled:
        _finish(run_id, attempt, RunStatus.cancelled, "Cancelled on request.")
    except Transient as exc:
        session.rollback()
        _retry_later(run_id, attempt, exc)
    except (Terminal, ValidationError) as exc:
        session.rollback()
        _finish(run_id, attempt, RunStatus.failed, str(exc))
    except Exception as exc:
        session.rollback()
        log.exception("run_crashed")
        _finish(run_id, attempt, RunStatus.failed, f"Internal error ({type(exc).__name__}): {exc}")
    else:
        errors = ctx.error_count()
        session.commit()
        status = RunStatus.completed_with_errors if errors else RunStatus.completed
        _finish(run_id, attempt, status, None)


def _finish(run_id: uuid.UUID, attempt: int, status: RunStatus, error: str | None) -> None:
    with get_database().scope() as session:
        fresh = WorkerRunQueries(session).load(run_id)
        if fresh is None or fresh.status != RunStatus.running or fresh.attempt != attempt:
            return
        _finalize(session, fresh, status, error)


def _finalize(session: Session, run: Run, status: RunStatus, error: str | None) -> None:
    now = utcnow()
    run.status = status
    run.error = error
    run.finished_at = now
    step_status = {
        RunStatus.cancelled: StepStatus.cancelled,
        RunStatus.failed: StepStatus.failed,
    }.get(status, StepStatus.completed)
    for step in run.steps:
        if step.status in (StepStatus.running, StepStatus.pending):
            step.status = step_status
            step.current_item = None
            step.finished_at = now
    kind = get_kind(run.kind)
    level = {"failed": "error", "completed_with_errors": "warning"}.get(status.value, "info")
    message = f"{kind.title} {status.value.replace('_', ' ')}" + (f": {error}" if error else ".")
    logs.write(
        session,
        run.tenant_id,
        system=kind.system,
        step="run",
        status=status.value,
        message=message,
        level=level,
        run_id=run.id,
        details={"steps": {s.name: service.step_counters(s) for s in run.steps}},
    )
    log.info("run_finished", status=status.value, error=error)


def _retry_later(run_id: uuid.UUID, attempt: int, exc: Transient) -> None:
    settings = get_settings()
    with get_database().scope() as session:
        fresh = WorkerRunQueries(session).load(run_id)
        if fresh is None or fresh.status != RunStatus.running or fresh.attempt != attempt:
            return
        if fresh.attempt >= settings.run_max_attempts:
            _finalize(
                session,
                fresh,
                RunStatus.failed,
                f"Gave up after {fresh.attempt} attempts: {exc}",
            )
            return
        delay = exc.retry_after or min(300.0, 5.0 * 2 ** (fresh.attempt - 1))
        fresh.status = RunStatus.queued
        fresh.error = f"Attempt {fresh.attempt} failed, retrying in {delay:.0f} s: {exc}"
        fresh.enqueued_at = utcnow()
        logs.write(
            session,
            fresh.tenant_id,
            system=get_kind(fresh.kind).system,
            step="run",
            status="retrying",
            level="warning",
            run_id=fresh.id,
            message=fresh.error,
        )
        run_id = fresh.id
        after_commit(session, lambda: service.enqueue(run_id, countdown=delay))


@contextmanager
def _heartbeat(database: Database, run_id: uuid.UUID, attempt: int) -> Iterator[None]:
    """Touch the run from a side thread, so a slow page never looks like a dead worker."""
    stop = threading.Event()
    interval = get_settings().run_stale_after_seconds / 4

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with database.scope() as session:
                    if not WorkerRunQueries(session).touch(run_id, attempt, utcnow()):
                        return
            except Exception:
                log.exception("heartbeat_failed")

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
