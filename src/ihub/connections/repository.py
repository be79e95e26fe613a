from __future__ import annotations

from sqlalchemy import Select

from ihub.kit.repository import TenantRepository
from ihub.models import Connection, ConnectionStatus


class ConnectionRepository(TenantRepository[Connection]):
    model = Connection

    def search(
        self, *, kind: str | None = None, status: ConnectionStatus | None = None
    ) -> Select[Connection]:
        stmt = self.select()
        if kind:
            stmt = stmt.where(Connection.kind == kind)
        if status:
            stmt = stmt.where(Connection.status == status)
        return stmt.order_by(Connection.name, Connection.id)

    def by_name(self, name: str) -> Connection | None:
        return self.session.scalars(self.select(Connection.name == name)).one_or_none()
