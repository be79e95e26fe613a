from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ihub.kit.repository import TenantRepository
from ihub.models import StoredFile


class StoredFileRepository(TenantRepository[StoredFile]):
    model = StoredFile

    def expired(self, now: datetime, limit: int) -> Sequence[StoredFile]:
        stmt = self.select(StoredFile.expires_at <= now).order_by(StoredFile.expires_at)
        return self.list(stmt.limit(limit))


class SignedFileLookup:
    """Finds a file by id for a signed download link, whatever its tenant.

    Deliberately unscoped: the link's signature, checked before this runs, is the credential.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, file_id: uuid.UUID) -> StoredFile | None:
        return self.session.scalars(
            select(StoredFile).where(StoredFile.id == file_id)
        ).one_or_none()
