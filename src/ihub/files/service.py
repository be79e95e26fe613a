"""Store files, sign download links for them, serve signed links, delete expired files.

A link is ``/files/<id>?expires=<unix time>&signature=<HMAC>``: whoever holds it may download
that one file until it expires, without an API key. The HMAC key is derived from the master
key for this purpose only, so no other signature of ihub can be replayed as a link.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from ihub.config import get_secret_box, get_settings
from ihub.errors import NotFound, PermissionDenied
from ihub.files.repository import SignedFileLookup, StoredFileRepository
from ihub.files.storage import FileMissing, get_storage
from ihub.kit.clock import utcnow
from ihub.models import StoredFile

_PURPOSE = b"ihub file download link"


def save(
    session: Session,
    tenant_id: uuid.UUID,
    source: IO[bytes],
    *,
    filename: str,
    content_type: str,
    purpose: str,
    expires_at: datetime | None,
) -> StoredFile:
    """Write ``source`` to the storage and record it; the caller's transaction commits the row."""
    file_id = uuid.uuid4()
    key = f"{tenant_id}/{purpose}/{file_id}"
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    get_storage().put(key, source)
    stored = StoredFile(
        id=file_id,
        key=key,
        filename=filename,
        content_type=content_type,
        size=size,
        purpose=purpose,
        expires_at=expires_at,
    )
    return StoredFileRepository(session, tenant_id).add(stored)


def retention_deadline() -> datetime:
    return utcnow() + timedelta(days=get_settings().file_retention_days)


def get_file(session: Session, tenant_id: uuid.UUID, file_id: uuid.UUID) -> StoredFile:
    stored = StoredFileRepository(session, tenant_id).get(file_id)
    if stored is None:
        raise NotFound("File not found.")
    return stored


def by_ids(
    session: Session, tenant_id: uuid.UUID, file_ids: list[uuid.UUID]
) -> dict[uuid.UUID, StoredFile]:
    repository = StoredFileRepository(session, tenant_id)
    rows = repository.list(repository.select(StoredFile.id.in_(file_ids))) if file_ids else []
    return {row.id: row for row in rows}


def read(stored: StoredFile) -> Iterator[bytes]:
    try:
        return get_storage().open(stored.key)
    except FileMissing:
        raise NotFound("The file is no longer stored (it expired or was deleted).") from None


def _message(file_id: uuid.UUID, expires: int) -> str:
    return f"{file_id}:{expires}"


def download_link(stored: StoredFile, now: datetime | None = None) -> tuple[str, datetime]:
    """A path with query that downloads ``stored`` until the returned moment (UTC)."""
    now = now or utcnow()
    expires_at = now + timedelta(seconds=get_settings().download_link_seconds)
    if stored.expires_at is not None:
        expires_at = min(expires_at, stored.expires_at)
    expires = int(expires_at.timestamp())
    query = urlencode(
        {
            "expires": expires,
            "signature": get_secret_box().sign(_PURPOSE, _message(stored.id, expires)),
        }
    )
    return f"/files/{stored.id}?{query}", datetime.fromtimestamp(expires, UTC)


def open_signed(
    session: Session, file_id: uuid.UUID, expires: int, signature: str
) -> tuple[StoredFile, Iterator[bytes]]:
    """Check a link's signature and expiry, then open its file."""
    if not get_secret_box().verify(_PURPOSE, _message(file_id, expires), signature):
        raise PermissionDenied("The download link is not valid.")
    if expires < utcnow().timestamp():
        raise PermissionDenied("The download link has expired; ask for a new one.")
    stored = SignedFileLookup(session).get(file_id)
    if stored is None:
        raise NotFound("The file is no longer stored (it expired or was deleted).")
    return stored, read(stored)


def delete_expired(session: Session, tenant_id: uuid.UUID, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` expired files from the storage and their rows."""
    repository = StoredFileRepository(session, tenant_id)
    expired = repository.expired(now, limit)
    storage = get_storage()
    for stored in expired:
        storage.delete(stored.key)
        repository.delete(stored)
    return len(expired)
