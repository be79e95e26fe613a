"""Celery entry point for webhook delivery: a thin shell around the dispatcher."""

from __future__ import annotations

from ihub.celery_app import WEBHOOKS_TASK, celery_app
from ihub.config import get_settings
from ihub.db import get_database
from ihub.webhooks.dispatcher import Dispatcher


@celery_app.task(name=WEBHOOKS_TASK, ignore_result=True)
def dispatch_webhooks() -> None:
    """Deliver every due webhook message; sent after each emit and periodically by the beat."""
    Dispatcher(get_database(), get_settings()).run()
