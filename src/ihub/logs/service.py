"""Write integration log rows in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from ihub.models import IntegrationLog

LEVELS = ("debug", "info", "warning", "error")


def write(
    session: Session,
    tenant_id: uuid.UUID,
    *,
    system: str,
    step: str,
    status: str,
    message: str,
    level: str = "info",
    run_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> IntegrationLog:
    if level not in LEVELS:
        raise ValueError(f"unknown log level {level!r}")
    entry = IntegrationLog(
        tenant_id=tenant_id,
        level=level,
        system=system,
        step=step,
        status=status,
        run_id=run_id,
        message=message,
        details=details,
        payload=payload,
    )
    session.add(entry)
    return entry
