from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select

from ihub.kit.repository import TenantRepository
from ihub.models import IntegrationLog


@dataclass(frozen=True)
class LogFilter:
    since: datetime | None = None
    until: datetime | None = None
    level: Sequence[str] = field(default_factory=tuple)
    system: Sequence[str] = field(default_factory=tuple)
    status: Sequence[str] = field(default_factory=tuple)
    step: str | None = None
    run_id: uuid.UUID | None = None
    text: str | None = None


class IntegrationLogRepository(TenantRepository[IntegrationLog]):
    model = IntegrationLog

    def search(self, f: LogFilter) -> Select[IntegrationLog]:
        stmt = self.select()
        if f.since:
            stmt = stmt.where(IntegrationLog.created_at >= f.since)
        if f.until:
            stmt = stmt.where(IntegrationLog.created_at < f.until)
        if f.level:
            stmt = stmt.where(IntegrationLog.level.in_(f.level))
        if f.system:
            stmt = stmt.where(IntegrationLog.system.in_(f.system))
        if f.status:
            stmt = stmt.where(IntegrationLog.status.in_(f.status))
        if f.step:
            stmt = stmt.where(IntegrationLog.step == f.step)
        if f.run_id:
            stmt = stmt.where(IntegrationLog.run_id == f.run_id)
        if f.text:
            stmt = stmt.where(IntegrationLog.message.icontains(f.text, autoescape=True))
        return stmt.order_by(IntegrationLog.id.desc())
