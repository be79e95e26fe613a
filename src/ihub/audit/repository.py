from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select

from ihub.kit.repository import TenantRepository
from ihub.models import AuditLog


class AuditRepository(TenantRepository[AuditLog]):
    model = AuditLog

    def search(
        self,
        *,
        action: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[AuditLog]:
        stmt = self.select()
        if action:
            stmt = stmt.where(AuditLog.action == action)
        if object_type:
            stmt = stmt.where(AuditLog.object_type == object_type)
        if object_id:
            stmt = stmt.where(AuditLog.object_id == object_id)
        if actor:
            stmt = stmt.where(AuditLog.actor_label.contains(actor, autoescape=True))
        if since:
            stmt = stmt.where(AuditLog.created_at >= since)
        if until:
            stmt = stmt.where(AuditLog.created_at < until)
        return stmt.order_by(AuditLog.id.desc())
