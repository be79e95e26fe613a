"""The events production emits: ``batch.created``, ``batch.status_changed``, ``report.ready``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session


def emit(session: Session, tenant_id: uuid.UUID, event_type: str, data: dict[str, Any]) -> None:
    """Queue a webhook event in the caller's transaction.

    The webhooks domain is being built in parallel; once ``ihub.webhooks.emit`` exists this
    becomes ``webhooks.emit(session, tenant_id, event_type, data)`` and nothing else changes.
    """
