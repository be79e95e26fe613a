from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from ihub.kit.repository import TenantRepository
from ihub.models import Run, RunError, RunStatus, RunStep


class RunRepository(TenantRepository[Run]):
    model = Run

    def get_with_steps(self, run_id: uuid.UUID) -> Run | None:
        return self.get(run_id, selectinload(Run.steps))

    def search(
        self,
        *,
        kind: str | None = None,
        status: Sequence[RunStatus] = (),
        connection_id: uuid.UUID | None = None,
        schedule_id: uuid.UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[Run]:
        stmt = self.select().options(selectinload(Run.steps))
        if kind:
            stmt = stmt.where(Run.kind == kind)
        if status:
            stmt = stmt.where(Run.status.in_(status))
        if connection_id:
            stmt = stmt.where(Run.connection_id == connection_id)
        if schedule_id:
            stmt = stmt.where(Run.schedule_id == schedule_id)
        if since:
            stmt = stmt.where(Run.created_at >= since)
        if until:
            stmt = stmt.where(Run.created_at < until)
        return stmt.order_by(Run.created_at.desc(), Run.id)

    def status_counts(self, since: datetime) -> dict[str, int]:
        stmt = (
            select(Run.status, func.count())
            .where(Run.tenant_id == self.tenant_id, Run.created_at >= since)
            .group_by(Run.status)
        )
        return {str(status): int(count) for status, count in self.session.execute(stmt).all()}

    def active_with_key(self, key: str) -> Run | None:
        return self.session.scalars(
            self.select(Run.concurrency_key == key, Run.status.in_(["queued", "running"]))
        ).first()


class RunErrorRepository(TenantRepository[RunError]):
    model = RunError

    def for_run(self, run_id: uuid.UUID, step: str | None = None) -> Select[RunError]:
        stmt = self.select(RunError.run_id == run_id)
        if step:
            stmt = stmt.where(RunError.step == step)
        return stmt.order_by(RunError.id)


class RunStepRepository(TenantRepository[RunStep]):
    model = RunStep


class WorkerRunQueries:
    """Unscoped queries for the worker and the sweep, which act for every tenant by run id."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, run_id: uuid.UUID) -> Run | None:
        return self.session.scalars(
            select(Run).where(Run.id == run_id).options(selectinload(Run.steps))
        ).one_or_none()

    def claim(self, run_id: uuid.UUID, worker: str, now: datetime) -> bool:
        """Move a queued run to running; False when another worker has it or it is done."""
        result = self.session.execute(
            update(Run)
            .where(
                Run.id == run_id, Run.status == RunStatus.queued, Run.cancel_requested_at.is_(None)
            )
            .values(
                status=RunStatus.running,
                attempt=Run.attempt + 1,
                worker=worker,
                heartbeat_at=now,
                started_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def fenced_update(self, run_id: uuid.UUID, attempt: int, **values: object) -> bool:
        """Update a running run only while this attempt still owns it (the fencing token)."""
        result = self.session.execute(
            update(Run)
            .where(Run.id == run_id, Run.attempt == attempt, Run.status == RunStatus.running)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def touch(self, run_id: uuid.UUID, attempt: int, now: datetime) -> bool:
        return self.fenced_update(run_id, attempt, heartbeat_at=now)

    def stale(self, heartbeat_before: datetime) -> Sequence[Run]:
        return self.session.scalars(
            select(Run)
            .where(Run.status == RunStatus.running, Run.heartbeat_at < heartbeat_before)
            .options(selectinload(Run.steps))  # a run given up on is announced with its counters
            .with_for_update(skip_locked=True)
        ).all()

    def forgotten(self, enqueued_before: datetime) -> Sequence[Run]:
        return self.session.scalars(
            select(Run)
            .where(Run.status == RunStatus.queued, Run.enqueued_at < enqueued_before)
            .with_for_update(skip_locked=True)
        ).all()

    def counts_by_kind_status(self) -> list[tuple[str, str, int]]:
        rows = self.session.execute(
            select(Run.kind, Run.status, func.count()).group_by(Run.kind, Run.status)
        ).all()
        return [(kind, str(status), int(count)) for kind, status, count in rows]
