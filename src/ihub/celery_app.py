"""The Celery app. Messages only say "work on X"; the database holds the state."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from ihub.config import Settings, get_settings

TICK_TASK = "schedules.tick"
SWEEP_TASK = "runs.sweep"
WEBHOOKS_TASK = "webhooks.dispatch"
SWEEP_SECONDS = 30.0
WEBHOOKS_SECONDS = 5.0


def create_celery(settings: Settings) -> Celery:
    app = Celery("ihub", broker=settings.celery_broker_url, include=["ihub.tasks"])
    app.conf.update(
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            "tick": {"task": TICK_TASK, "schedule": settings.tick_seconds},
            "sweep": {"task": SWEEP_TASK, "schedule": SWEEP_SECONDS},
            # Picks up scheduled retries; the database holds them, so restarts lose none.
            "webhooks": {"task": WEBHOOKS_TASK, "schedule": WEBHOOKS_SECONDS},
        },
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
    )
    return app


celery_app = create_celery(get_settings())


def send(task: str, *args: Any, countdown: float | None = None) -> None:
    celery_app.send_task(task, args=list(args), countdown=countdown, queue=get_settings().queue)


@setup_logging.connect
def _use_ihub_logging(**_: Any) -> None:
    from ihub.logging import configure_logging

    configure_logging(get_settings())


@worker_process_init.connect
def _fresh_engine_after_fork(**_: Any) -> None:
    # A forked pool child must not reuse the parent's database connections.
    from ihub.db import get_database

    get_database().engine.dispose(close=False)
