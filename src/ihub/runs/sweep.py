"""Find runs whose worker died or whose message was lost, and hand them back to the queue.

A resumed run starts from its last committed checkpoint. The claim in the runner increments
``attempt``, which fences off the old worker should it come back to life.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import structlog
from sqlalchemy.orm import Session

from ihub.config import Settings
from ihub.db import after_commit
from ihub.kit.clock import utcnow
from ihub.logs import service as logs
from ihub.models import RunStatus
from ihub.runs import runner, service
from ihub.runs.registry import get_kind
from ihub.runs.repository import WorkerRunQueries

log = structlog.get_logger(__name__)


def sweep(session: Session, settings: Settings) -> dict[str, int]:
    now = utcnow()
    stale_after = timedelta(seconds=settings.run_stale_after_seconds)
    queries = WorkerRunQueries(session)
    resumed, failed, resent = [], 0, []
    for run in queries.stale(now - stale_after):
        system = get_kind(run.kind).system
        if run.attempt >= settings.run_max_attempts:
            run.status = RunStatus.failed
            run.finished_at = now
            run.error = f"The worker stopped responding {run.attempt} times; giving up."
            runner.announce(session, run)
            failed += 1
        else:
            run.status = RunStatus.queued
            run.enqueued_at = now
            resumed.append(run.id)
        logs.write(
            session,
            run.tenant_id,
            system=system,
            step="run",
            status=run.status.value,
            level="warning",
            run_id=run.id,
            message=f"No heartbeat since {run.heartbeat_at:%H:%M:%S} UTC from {run.worker}; "
            + ("giving up." if run.status == RunStatus.failed else "resuming from checkpoint."),
        )
    # A queued run nobody picked up for a long time lost its message; sending it again is safe
    # because only one claim can succeed.
    for run in queries.forgotten(now - 2 * stale_after):
        run.enqueued_at = now
        resent.append(run.id)
    for run_id in [*resumed, *resent]:
        after_commit(session, partial(service.enqueue, run_id))
    if resumed or failed or resent:
        log.warning("sweep", resumed=len(resumed), failed=failed, resent=len(resent))
    return {"resumed": len(resumed), "failed": failed, "resent": len(resent)}
