"""Every UI router, and how errors look on UI pages (HTML, not problem+json)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ihub.allegro.ui import router as allegro_ui
from ihub.audit.ui import router as audit_ui
from ihub.catalog.ui import router as catalog_ui
from ihub.connections.ui import router as connections_ui
from ihub.errors import IhubError
from ihub.imports.ui import router as imports_ui
from ihub.logs.ui import router as logs_ui
from ihub.orders.ui import router as orders_ui
from ihub.production.ui import router as production_ui
from ihub.runs.ui import router as runs_ui
from ihub.schedules.ui import router as schedules_ui
from ihub.tenants.ui import router as tenants_ui
from ihub.ui.dashboard import router as dashboard_ui
from ihub.ui.web import LoginRequired, login_redirect_target, render
from ihub.webhooks.ui import router as webhooks_ui

router = APIRouter(include_in_schema=False)
for ui_router in (
    tenants_ui,
    dashboard_ui,
    orders_ui,
    runs_ui,
    imports_ui,
    logs_ui,
    catalog_ui,
    connections_ui,
    allegro_ui,
    schedules_ui,
    audit_ui,
    webhooks_ui,
    production_ui,
):
    router.include_router(ui_router)

NON_UI_PREFIXES = (
    "/api/",
    "/files/",
    "/health/",
    "/metrics",
    "/sandbox/",
    "/static/",
    "/docs",
    "/openapi",
)


def is_ui_request(request: Request) -> bool:
    return not request.url.path.startswith(NON_UI_PREFIXES)


def ui_error(request: Request, exc: IhubError) -> Response:
    if isinstance(exc, LoginRequired):
        target = login_redirect_target(request)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    principal = getattr(request.state, "principal", None)
    return render(
        request, "error.html", principal, exc.status_code, title=exc.title, detail=exc.message
    )


def ui_not_found(request: Request) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    return render(request, "error.html", principal, 404, title="Not found", detail=request.url.path)
