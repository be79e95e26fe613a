"""The "Import from UT 11" page: start an import, watch it live, read its errors, history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ihub.connections import service as connections
from ihub.connections.kinds import ONEC_ODATA
from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.imports import service
from ihub.imports.schemas import AGGREGATES, ImportCreate
from ihub.kit.pagination import PageParams, page_count
from ihub.runs import service as runs
from ihub.tenants.auth import Principal
from ihub.ui.web import UiOperator, UiViewer, render

router = APIRouter(include_in_schema=False)
HISTORY_SIZE = 20
ERRORS_PAGE_SIZE = 50


def _imports_page(
    request: Request,
    principal: Principal,
    session: Session,
    *,
    page: int = 1,
    partial: bool = False,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    params = PageParams(page=page, page_size=HISTORY_SIZE)
    imports, total = service.list_imports(session, principal.tenant_id, params)
    choices, _ = connections.list_connections(
        session, principal.tenant_id, PageParams(page=1, page_size=500), kind=ONEC_ODATA
    )
    return render(
        request,
        "imports/_history.html" if partial else "imports/list.html",
        principal,
        status,
        imports=[service.progress(run) for run in imports],
        names={c.id: c.name for c in choices},
        connections=choices,
        aggregates=AGGREGATES,
        total=total,
        page=page,
        pages=page_count(total, HISTORY_SIZE),
        error=error,
    )


@router.get("/imports")
def imports_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    partial: bool = False,
) -> HTMLResponse:
    return _imports_page(request, principal, session, page=page, partial=partial)


@router.post("/imports")
def start_import(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    connection_id: Annotated[str, Form()] = "",
    aggregates: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        data = ImportCreate.model_validate(
            {"connection_id": connection_id or None, "aggregates": aggregates or []}
        )
        run = service.start_import(session, principal.tenant_id, principal.actor, data, "ui")
    except (IhubError, ValidationError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, IhubError) else _validation_text(exc)
        return _imports_page(request, principal, session, error=message, status=422)
    return RedirectResponse(f"/imports/{run.id}", status_code=303)


def _validation_text(exc: ValidationError) -> str:
    fields = {str(e["loc"][0]) for e in exc.errors()}
    if "connection_id" in fields:
        return "Choose a 1C connection."
    return "Choose at least one thing to import."


@router.get("/imports/{import_id}")
def import_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    import_id: uuid.UUID,
    aggregate: str | None = None,
    errors_page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    run = service.get_import(session, principal.tenant_id, import_id)
    params = PageParams(page=errors_page, page_size=ERRORS_PAGE_SIZE)
    errors, errors_total = runs.error_page(
        session, principal.tenant_id, run.id, params, aggregate or None
    )
    connection = (
        connections.get_connection(session, principal.tenant_id, run.connection_id)
        if run.connection_id
        else None
    )
    return render(
        request,
        "imports/detail.html",
        principal,
        run=runs.document(run),
        connection=connection,
        errors=[service.record_error(e) for e in errors],
        errors_total=errors_total,
        errors_page=errors_page,
        errors_pages=page_count(errors_total, ERRORS_PAGE_SIZE),
        aggregate=aggregate or "",
    )
