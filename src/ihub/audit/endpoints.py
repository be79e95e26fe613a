from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ihub.audit.repository import AuditRepository
from ihub.audit.schemas import AuditRead
from ihub.db import SessionDep
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalDateTime
from ihub.tenants.auth import Admin

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditRead])
def list_audit(
    principal: Admin,
    session: SessionDep,
    page: PageQuery,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    since: Annotated[OptionalDateTime, Query()] = None,
    until: Annotated[OptionalDateTime, Query()] = None,
) -> Page[AuditRead]:
    """Changes made through the API, newest first."""
    repository = AuditRepository(session, principal.tenant_id)
    stmt = repository.search(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        since=since,
        until=until,
    )
    rows, total = repository.page(stmt, page)
    return Page(
        items=[AuditRead.model_validate(r) for r in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )
