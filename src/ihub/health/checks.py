"""Readiness checks: each dependency answers within a short timeout or counts as down."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from ihub.celery_app import celery_app
from ihub.db import get_database
from ihub.files.storage import get_storage

BROKER_TIMEOUT = 2


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    latency_ms: float
    error: str | None = None


def database() -> None:
    with get_database().engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def broker() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)


def file_storage() -> None:
    get_storage().check()


CHECKS: dict[str, Callable[[], None]] = {
    "database": database,
    "broker": broker,
    "file_storage": file_storage,
}


def run_checks() -> dict[str, CheckResult]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            error = None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        results[name] = CheckResult(ok=error is None, latency_ms=elapsed, error=error)
    return results
