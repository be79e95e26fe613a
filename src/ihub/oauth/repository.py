from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, update

from ihub.kit.repository import TenantRepository
from ihub.models import OAuthToken


class OAuthTokenRepository(TenantRepository[OAuthToken]):
    model = OAuthToken

    def for_connection(self, connection_id: uuid.UUID) -> OAuthToken | None:
        return self.session.scalars(self.select(OAuthToken.connection_id == connection_id)).first()

    def take_lease(
        self, token_id: uuid.UUID, generation: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Compare-and-swap: the lease is ours only if the pair is still ``generation`` and no
        one else holds an unexpired lease. One UPDATE, so it holds across processes on SQLite
        (one writer at a time) and on PostgreSQL (the second UPDATE re-checks the row)."""
        result = self.session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.tenant_id == self.tenant_id,
                OAuthToken.id == token_id,
                OAuthToken.generation == generation,
                or_(OAuthToken.lease_until.is_(None), OAuthToken.lease_until < now),
            )
            .values(lease_owner=owner, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def replace_pair(
        self, token_id: uuid.UUID, generation: int, owner: str, **values: object
    ) -> bool:
        """Store the refreshed pair and free the lease, only while we still hold it."""
        result = self.session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.tenant_id == self.tenant_id,
                OAuthToken.id == token_id,
                OAuthToken.generation == generation,
                OAuthToken.lease_owner == owner,
            )
            .values(generation=generation + 1, lease_owner=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def release_lease(self, token_id: uuid.UUID, owner: str, **values: object) -> None:
        self.session.execute(
            update(OAuthToken)
            .where(
                OAuthToken.tenant_id == self.tenant_id,
                OAuthToken.id == token_id,
                OAuthToken.lease_owner == owner,
            )
            .values(lease_owner=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
