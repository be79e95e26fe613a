"""The integration log page: filters, auto-refresh and export links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ihub.db import SessionDep
from ihub.kit.pagination import PageParams, page_count
from ihub.logs.endpoints import LogFilterDep
from ihub.logs.repository import IntegrationLogRepository
from ihub.logs.service import LEVELS
from ihub.ui.web import UiViewer, render

router = APIRouter(include_in_schema=False)
REFRESH_CHOICES = (0, 5, 15, 60)


@router.get("/logs")
def logs_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    filters: LogFilterDep,
    page: Annotated[int, Query(ge=1)] = 1,
    refresh: Annotated[int, Query(ge=0, le=3600)] = 0,
    partial: bool = False,
) -> HTMLResponse:
    repository = IntegrationLogRepository(session, principal.tenant_id)
    params = PageParams(page=page, page_size=50)
    entries, total = repository.page(repository.search(filters), params)
    query = {
        "since": request.query_params.get("since", ""),
        "until": request.query_params.get("until", ""),
        "level": request.query_params.getlist("level"),
        "system": request.query_params.get("system", ""),
        "status": request.query_params.get("status", ""),
        "step": request.query_params.get("step", ""),
        "run_id": request.query_params.get("run_id", ""),
        "q": request.query_params.get("q", ""),
    }
    return render(
        request,
        "logs/_table.html" if partial else "logs/list.html",
        principal,
        entries=entries,
        total=total,
        page=page,
        pages=page_count(total, params.page_size),
        query=query,
        levels=LEVELS,
        refresh=refresh,
        refresh_choices=REFRESH_CHOICES,
    )
