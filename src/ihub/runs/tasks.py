"""Celery entry points for runs: thin shells around the runner and the sweep."""

from __future__ import annotations

import uuid

from ihub.celery_app import SWEEP_TASK, celery_app
from ihub.config import get_settings
from ihub.db import get_database
from ihub.runs import runner
from ihub.runs.service import EXECUTE_TASK
from ihub.runs.sweep import sweep


@celery_app.task(name=EXECUTE_TASK, acks_late=True, ignore_result=True)
def execute_run(run_id: str) -> None:
    """Work on run ``run_id``; safe to deliver twice (only one claim succeeds)."""
    runner.execute(uuid.UUID(run_id))


@celery_app.task(name=SWEEP_TASK, ignore_result=True)
def sweep_runs() -> None:
    """Resume runs whose worker went silent and resend runs whose message was lost."""
    with get_database().scope() as session:
        sweep(session, get_settings())
