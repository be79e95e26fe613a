"""Positions of incremental syncs, one per connection and stream (``sync_cursors``)."""

from __future__ import annotations

import uuid

from ihub.kit.repository import TenantRepository
from ihub.models import SyncCursor


class SyncCursorRepository(TenantRepository[SyncCursor]):
    model = SyncCursor

    def find(self, connection_id: uuid.UUID, stream: str) -> SyncCursor | None:
        return self.session.scalars(
            self.select(SyncCursor.connection_id == connection_id, SyncCursor.stream == stream)
        ).first()
