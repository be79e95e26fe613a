from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from ihub.db import SessionDep, get_database
from ihub.kit.export import stream_export
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalDateTime, OptionalUUID, non_empty
from ihub.logs.repository import IntegrationLogRepository, LogFilter
from ihub.logs.schemas import LogRead
from ihub.tenants.auth import Viewer

router = APIRouter(prefix="/logs", tags=["logs"])
EXPORT_BATCH = 1000


async def log_filter(
    since: Annotated[
        OptionalDateTime, Query(description="At or after (ISO 8601, UTC if no offset).")
    ] = None,
    until: Annotated[
        OptionalDateTime, Query(description="Before (ISO 8601, UTC if no offset).")
    ] = None,
    level: Annotated[list[str] | None, Query()] = None,
    system: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[str] | None, Query()] = None,
    step: str | None = None,
    run_id: Annotated[OptionalUUID, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the message.")] = None,
) -> LogFilter:
    return LogFilter(
        since=since,
        until=until,
        level=non_empty(level),
        system=non_empty(system),
        status=non_empty(status),
        step=step or None,
        run_id=run_id,
        text=q or None,
    )


LogFilterDep = Annotated[LogFilter, Depends(log_filter)]


@router.get("", response_model=Page[LogRead])
def list_logs(
    principal: Viewer,
    session: SessionDep,
    filters: LogFilterDep,
    page: PageQuery,
    format: Annotated[
        Literal["json", "csv", "ndjson"], Query(description="csv and ndjson stream every match.")
    ] = "json",
) -> Page[LogRead] | StreamingResponse:
    """Integration log entries, newest first; export the whole selection as CSV or NDJSON."""
    if format != "json":
        return stream_export(
            lambda: export_rows(principal.tenant_id, filters),
            list(LogRead.model_fields),
            format,
            "integration-logs",
        )
    repository = IntegrationLogRepository(session, principal.tenant_id)
    rows, total = repository.page(repository.search(filters), page)
    return Page.of((LogRead.model_validate(r) for r in rows), total, page)


def export_rows(tenant_id: uuid.UUID, filters: LogFilter) -> Iterator[dict[str, Any]]:
    """Stream rows from a server-side cursor in batches, in a session of its own."""
    with get_database().scope(write=False) as session:
        stmt = IntegrationLogRepository(session, tenant_id).search(filters)
        result = session.scalars(stmt.execution_options(yield_per=EXPORT_BATCH))
        for row in result:
            yield LogRead.model_validate(row).model_dump(mode="json")
