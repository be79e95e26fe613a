from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ihub.config import get_settings
from ihub.db import SessionDep
from ihub.health.checks import run_checks
from ihub.health.metrics import registry
from ihub.tenants.auth import authenticate_sync

router = APIRouter(tags=["health"])


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "A dependency is down."}})
def ready() -> JSONResponse:
    """Database, broker and file storage, each checked; 503 when any is down."""
    results = run_checks()
    body: dict[str, Any] = {
        "status": "ok" if all(r.ok for r in results.values()) else "unavailable",
        "checks": {name: vars(result) for name, result in results.items()},
    }
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


def _metrics_access(request: Request, session: SessionDep) -> None:
    if not get_settings().metrics_public:
        authenticate_sync(request, session)


@router.get("/metrics", dependencies=[Depends(_metrics_access)])
def metrics() -> Response:
    """Prometheus text format; needs a credential unless IHUB_METRICS_PUBLIC=true."""
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
