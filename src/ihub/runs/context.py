"""What a run handler sees: its parameters, checkpoint, steps, errors and one session.

A handler does a slice of work (a page), records counters and errors on its steps, then
calls ``ctx.save(checkpoint)``. That commits the slice's data, counters and checkpoint in one
transaction, so a resumed run neither repeats nor skips committed work, and it is where
cancellation is noticed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ihub.kit.clock import utcnow
from ihub.logs import service as logs
from ihub.models import Run, RunError, RunStep, StepStatus
from ihub.runs.registry import get_kind
from ihub.runs.repository import WorkerRunQueries

_ERROR_VALUE_LIMIT = 1000


class RunCancelled(Exception):
    """Raised inside a handler when someone asked the run to stop."""


class RunSuperseded(Exception):
    """This worker lost the run (it was resumed elsewhere); stop without writing."""


class Step:
    def __init__(self, ctx: RunContext, row: RunStep) -> None:
        self._ctx = ctx
        self.row = row

    @property
    def name(self) -> str:
        return self.row.name

    def set_total(self, total: int | None) -> None:
        self.row.total = total

    def add(
        self,
        *,
        processed: int = 0,
        inserted: int = 0,
        updated: int = 0,
        unchanged: int = 0,
    ) -> None:
        row = self.row
        row.processed += processed
        row.inserted += inserted
        row.updated += updated
        row.unchanged += unchanged

    def current(self, item: str | None) -> None:
        self.row.current_item = item[:500] if item else None

    def error(
        self,
        reason: str,
        *,
        external_id: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        """Record one bad record; the run goes on and ends ``completed_with_errors``."""
        self.row.errors += 1
        self._ctx.session.add(
            RunError(
                tenant_id=self._ctx.tenant_id,
                run_id=self._ctx.run_id,
                step=self.row.name,
                external_id=external_id,
                field=field,
                value=None if value is None else str(value)[:_ERROR_VALUE_LIMIT],
                reason=reason,
            )
        )

    def complete(self) -> None:
        self.row.status = StepStatus.completed
        self.row.current_item = None
        self.row.finished_at = utcnow()


class RunContext:
    def __init__(self, session: Session, run: Run, params: Any) -> None:
        self.session = session
        self.run = run
        self.params = params
        self.run_id: uuid.UUID = run.id
        self.tenant_id: uuid.UUID = run.tenant_id
        self.connection_id: uuid.UUID | None = run.connection_id
        self.attempt: int = run.attempt
        self.checkpoint: dict[str, Any] = dict(run.checkpoint or {})
        self._steps = {step.name: step for step in run.steps}

    def step(self, name: str, *, total: int | None = None) -> Step:
        """The named step, created on first use; on resume it keeps its counters."""
        row = self._steps.get(name) or self._new_step(name)
        if total is not None:
            row.total = total
        if row.status != StepStatus.completed:
            row.status = StepStatus.running
            row.started_at = row.started_at or utcnow()
        return Step(self, row)

    def error_count(self) -> int:
        return sum(row.errors for row in self._steps.values())

    def declare_steps(self, *names: str) -> None:
        """Create steps up front so progress shows every step from the start."""
        for name in names:
            if name not in self._steps:
                self._new_step(name)

    def _new_step(self, name: str) -> RunStep:
        row = RunStep(
            tenant_id=self.tenant_id,
            run_id=self.run_id,
            position=len(self._steps),
            name=name,
            status=StepStatus.pending,
            processed=0,
            inserted=0,
            updated=0,
            unchanged=0,
            errors=0,
        )
        self.session.add(row)
        self._steps[name] = row
        return row

    def log(
        self,
        message: str,
        *,
        step: str = "run",
        status: str = "info",
        level: str = "info",
        system: str | None = None,
        details: dict[str, Any] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        logs.write(
            self.session,
            self.tenant_id,
            system=system or self.system,
            step=step,
            status=status,
            message=message,
            level=level,
            run_id=self.run_id,
            details=details,
            payload=payload,
        )

    @property
    def system(self) -> str:
        return get_kind(self.run.kind).system

    def save(self, checkpoint: dict[str, Any] | None = None) -> None:
        """Commit everything done since the last save, with the new checkpoint.

        Raises ``RunCancelled`` after the commit when a cancel was requested, so the work
        done up to here is kept and the run stops within one slice.
        """
        if checkpoint is not None:
            self.checkpoint = checkpoint
        self.session.flush()
        owned = WorkerRunQueries(self.session).fenced_update(
            self.run_id, self.attempt, checkpoint=self.checkpoint, heartbeat_at=utcnow()
        )
        if not owned:
            self.session.rollback()
            raise RunSuperseded(str(self.run_id))
        cancel = self._cancel_requested()
        self.session.commit()
        if cancel:
            raise RunCancelled(str(self.run_id))

    def raise_if_cancelled(self) -> None:
        cancel = self._cancel_requested()
        self.session.commit()  # end the read: SQLite must not pin a snapshot between pages
        if cancel:
            raise RunCancelled(str(self.run_id))

    def _cancel_requested(self) -> bool:
        stmt = select(Run.cancel_requested_at).where(Run.id == self.run_id)
        return self.session.scalar(stmt) is not None
