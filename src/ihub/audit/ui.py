from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ihub.audit.repository import AuditRepository
from ihub.db import SessionDep
from ihub.kit.pagination import PageParams, page_count
from ihub.ui.web import UiAdmin, render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    action: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    repository = AuditRepository(session, principal.tenant_id)
    params = PageParams(page=page, page_size=50)
    stmt = repository.search(
        action=action or None, object_type=object_type or None, actor=actor or None
    )
    entries, total = repository.page(stmt, params)
    return render(
        request,
        "audit.html",
        principal,
        entries=entries,
        total=total,
        page=page,
        pages=page_count(total, params.page_size),
        query={"action": action or "", "object_type": object_type or "", "actor": actor or ""},
    )
