"""create_app(): middleware, error handlers, routers, UI and (in demo mode) the sandboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

import ihub.tasks  # noqa: F401 - registers every run kind the API may be asked to start
from ihub import __version__
from ihub.api import router as api_router
from ihub.config import Settings, get_settings
from ihub.db import get_database
from ihub.errors import IhubError, add_exception_handlers
from ihub.files.endpoints import router as files_router
from ihub.health.endpoints import router as health_router
from ihub.middleware import BodySizeLimitMiddleware, RequestContextMiddleware, TimeoutMiddleware
from ihub.sandbox import mount_sandboxes
from ihub.ui import routes as ui
from ihub.ui.web import STATIC_DIR


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    get_database().dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="ihub",
        version=__version__,
        summary="Self-hosted integration hub: 1C:UT 11, MoySklad, Allegro, Kommo.",
        lifespan=lifespan,
    )
    add_exception_handlers(app)
    _ui_error_pages(app)

    app.include_router(health_router)  # first: probes should not walk the API's routes
    app.include_router(api_router)
    app.include_router(files_router)  # signed links: no API key, the link is the credential
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.demo:
        mount_sandboxes(app)

    # Added innermost first: CORS, body limit, timeout, then the request context outermost.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(TimeoutMiddleware, seconds=settings.request_timeout_seconds)
    app.add_middleware(RequestContextMiddleware)
    return app


def _ui_error_pages(app: FastAPI) -> None:
    """UI pages answer errors in HTML; everything else keeps problem+json."""
    api_ihub = app.exception_handlers[IhubError]
    api_http = app.exception_handlers[StarletteHTTPException]

    async def ihub_error(request: Request, exc: Exception) -> Response:
        if ui.is_ui_request(request) and isinstance(exc, IhubError):
            return ui.ui_error(request, exc)
        return await api_ihub(request, exc)  # type: ignore[no-any-return,misc]

    async def http_error(request: Request, exc: Exception) -> Response:
        if (
            ui.is_ui_request(request)
            and isinstance(exc, StarletteHTTPException)
            and exc.status_code == 404
        ):
            return ui.ui_not_found(request)
        return await api_http(request, exc)  # type: ignore[no-any-return,misc]

    app.add_exception_handler(IhubError, ihub_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
