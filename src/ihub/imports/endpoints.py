"""Imports API: start one, follow it (progress document), list and export its errors."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from ihub.db import SessionDep
from ihub.imports import service
from ihub.imports.schemas import ImportCreate, ImportProgress, RecordError
from ihub.kit.export import stream_export
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalUUID
from ihub.models import RunStatus
from ihub.tenants.auth import Operator, Viewer

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("", response_model=ImportProgress, status_code=202)
def start_import(principal: Operator, session: SessionDep, body: ImportCreate) -> ImportProgress:
    """Start an import from a 1C connection; follow it here or through /api/v1/runs."""
    run = service.start_import(session, principal.tenant_id, principal.actor, body, "api")
    return service.progress(run)


@router.get("", response_model=Page[ImportProgress])
def list_imports(
    principal: Viewer,
    session: SessionDep,
    page: PageQuery,
    connection_id: Annotated[OptionalUUID, Query()] = None,
    status: Annotated[list[RunStatus] | None, Query()] = None,
) -> Page[ImportProgress]:
    """Imports, newest first (without their error lists; see /imports/{id})."""
    runs, total = service.list_imports(
        session, principal.tenant_id, page, connection_id=connection_id, status=status or []
    )
    return Page.of((service.progress(run) for run in runs), total, page)


@router.get("/{import_id}", response_model=ImportProgress)
def get_import(principal: Viewer, session: SessionDep, import_id: uuid.UUID) -> ImportProgress:
    """One import's progress with its first 100 per-record errors."""
    return service.full_progress(session, principal.tenant_id, import_id)


@router.get("/{import_id}/errors", response_model=Page[RecordError])
def list_import_errors(
    principal: Viewer,
    session: SessionDep,
    import_id: uuid.UUID,
    page: PageQuery,
    aggregate: Annotated[str | None, Query(max_length=100)] = None,
    format: Annotated[
        Literal["json", "csv", "ndjson"], Query(description="csv and ndjson stream every error.")
    ] = "json",
) -> Page[RecordError] | StreamingResponse:
    """Per-record errors (aggregate, Ref_Key, field, value, reason); filter by aggregate."""
    if format != "json":
        service.get_import(session, principal.tenant_id, import_id)  # 404 before streaming
        tenant_id = principal.tenant_id
        return stream_export(
            lambda: service.export_errors(tenant_id, import_id, aggregate or None),
            list(RecordError.model_fields),
            format,
            f"import-{import_id}-errors",
        )
    errors, total = service.list_errors(
        session, principal.tenant_id, import_id, page, aggregate or None
    )
    return Page.of((service.record_error(e) for e in errors), total, page)
