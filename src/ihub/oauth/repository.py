from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, or_, update

from ihub.kit.repository import TenantRepository
from ihub.models import OAuthToken


class OAuthTokenRepository(TenantRepository[OAuthToken]):
    model = OAuthToken

    def for_connection(self, connection_id: uuid.UUID) -> OAuthToken | None:
        return self.session.scalars(self.select(OAuthToken.connection_id == connection_id)).first()

    def _update(self, token_id: uuid.UUID, *where: ColumnElement[bool], **values: object) -> bool:
        """One conditional UPDATE of this tenant's token row; True when it matched."""
        result = self.session.execute(
            update(OAuthToken)
            .where(OAuthToken.tenant_id == self.tenant_id, OAuthToken.id == token_id, *where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def take_lease(
        self, token_id: uuid.UUID, generation: int, owner: str, now: datetime, until: datetime
    ) -> bool:
        """Compare-and-swap: the lease is ours only if the pair is still ``generation`` and no
        one else holds an unexpired lease. One UPDATE, so it holds across processes on SQLite
        (one writer at a time) and on PostgreSQL (the second UPDATE re-checks the row)."""
        return self._update(
            token_id,
            OAuthToken.generation == generation,
            or_(OAuthToken.lease_until.is_(None), OAuthToken.lease_until < now),
            lease_owner=owner,
            lease_until=until,
        )

    def replace_pair(
        self, token_id: uuid.UUID, generation: int, owner: str, **values: object
    ) -> bool:
        """Store the refreshed pair and free the lease, only while we still hold it."""
        return self._update(
            token_id,
            OAuthToken.generation == generation,
            OAuthToken.lease_owner == owner,
            generation=generation + 1,
            lease_owner=None,
            lease_until=None,
            **values,
        )

    def release_lease(self, token_id: uuid.UUID, owner: str, **values: object) -> None:
        self._update(
            token_id, OAuthToken.lease_owner == owner, lease_owner=None, lease_until=None, **values
        )
