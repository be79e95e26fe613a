"""Runs pages: the history with filters, a start form and a live run page."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.kit.pagination import PageParams, page_count
from ihub.kit.params import non_empty
from ihub.logs.repository import IntegrationLogRepository, LogFilter
from ihub.models import RunStatus
from ihub.runs import service
from ihub.runs.registry import all_kinds
from ihub.ui.web import UiOperator, UiViewer, render

router = APIRouter(include_in_schema=False)


def _defaults(kind_name: str) -> str:
    """The kind's parameters with their defaults; ``{}`` when some must be given."""
    kind = next(k for k in all_kinds() if k.name == kind_name)
    try:
        return json.dumps(kind.params_model().model_dump(mode="json"), indent=2)
    except ValidationError:
        return "{}"  # the kind has required parameters, e.g. allegro.authorize's device code


@router.get("/runs")
def runs_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    kind: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    partial: bool = False,
) -> HTMLResponse:
    params = PageParams(page=page, page_size=25)
    wanted = [RunStatus(s) for s in non_empty(status) if s in RunStatus.__members__]
    runs, total = service.list_runs(
        session, principal.tenant_id, params, kind=kind or None, status=wanted
    )
    kinds = all_kinds()
    return render(
        request,
        "runs/_table.html" if partial else "runs/list.html",
        principal,
        runs=[service.document(r) for r in runs],
        total=total,
        page=page,
        pages=page_count(total, params.page_size),
        kinds=kinds,
        statuses=list(RunStatus),
        filters={"kind": kind or "", "status": [s.value for s in wanted]},
        default_params={k.name: _defaults(k.name) for k in kinds},
    )


@router.post("/runs")
def start_run(
    request: Request,
    principal: UiOperator,
    session: SessionDep,
    kind: Annotated[str, Form()],
    params: Annotated[str, Form()] = "{}",
) -> Response:
    try:
        parsed = json.loads(params or "{}")
        if not isinstance(parsed, dict):
            raise ValueError("parameters must be a JSON object")
        run = service.create_run(
            session, principal.tenant_id, kind, parsed, actor=principal.actor, trigger="ui"
        )
    except (IhubError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, IhubError) else f"Parameters: {exc}"
        details = exc.extra.get("errors", []) if isinstance(exc, IhubError) else []
        return render(
            request, "runs/start_error.html", principal, 422, message=message, details=details
        )
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


@router.get("/runs/{run_id}")
def run_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    run_id: uuid.UUID,
    errors_page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    run = service.get_run(session, principal.tenant_id, run_id)
    params = PageParams(page=errors_page, page_size=50)
    errors, errors_total = service.list_errors(session, principal.tenant_id, run_id, params)
    logs = IntegrationLogRepository(session, principal.tenant_id)
    entries = logs.list(logs.search(LogFilter(run_id=run_id)).limit(20))
    return render(
        request,
        "runs/detail.html",
        principal,
        run=service.document(run),
        errors=errors,
        errors_total=errors_total,
        errors_page=errors_page,
        errors_pages=page_count(errors_total, params.page_size),
        logs=entries,
    )


@router.post("/runs/{run_id}/cancel")
def cancel_run(principal: UiOperator, session: SessionDep, run_id: uuid.UUID) -> Response:
    service.cancel_run(session, principal.tenant_id, principal.actor, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
