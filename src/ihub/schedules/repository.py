from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ihub.kit.repository import TenantRepository
from ihub.models import Schedule


class ScheduleRepository(TenantRepository[Schedule]):
    model = Schedule

    def search(self, *, kind: str | None = None, enabled: bool | None = None) -> Select[Schedule]:
        stmt = self.select()
        if kind:
            stmt = stmt.where(Schedule.kind == kind)
        if enabled is not None:
            stmt = stmt.where(Schedule.enabled.is_(enabled))
        return stmt.order_by(Schedule.name, Schedule.id)


class DueSchedules:
    """The tick acts for every tenant, so this one query is deliberately unscoped."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, limit: int = 500) -> Sequence[Schedule]:
        return self.session.scalars(
            select(Schedule)
            .where(Schedule.enabled.is_(True), Schedule.next_run_at <= now)
            .order_by(Schedule.next_run_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
