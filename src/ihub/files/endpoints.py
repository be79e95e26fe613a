"""The signed download route. It is outside /api on purpose: the link is the credential."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from ihub.db import SessionDep
from ihub.files import service

router = APIRouter(tags=["files"])


@router.get("/files/{file_id}", response_class=StreamingResponse)
def download(
    session: SessionDep,
    file_id: uuid.UUID,
    expires: Annotated[int, Query(description="Unix time the link expires at.")],
    signature: Annotated[str, Query(max_length=100)],
) -> StreamingResponse:
    """Download a file through a signed link from the API (e.g. a finished report)."""
    stored, chunks = service.open_signed(session, file_id, expires, signature)
    fallback = stored.filename.encode("ascii", "replace").decode().replace('"', "")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(stored.filename)}"
    return StreamingResponse(
        chunks,
        media_type=stored.content_type,
        headers={"Content-Disposition": disposition, "Content-Length": str(stored.size)},
    )
