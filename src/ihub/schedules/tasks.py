from __future__ import annotations

from ihub.celery_app import TICK_TASK, celery_app
from ihub.db import get_database
from ihub.schedules.service import tick


@celery_app.task(name=TICK_TASK, ignore_result=True)
def scheduler_tick() -> None:
    """Start the runs of every due schedule (the beat process sends this every few seconds)."""
    with get_database().scope() as session:
        tick(session)
