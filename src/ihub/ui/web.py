"""What every UI page shares: templates, the signed-in user, CSRF and redirects."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from ihub.db import SessionDep
from ihub.errors import IhubError, PermissionDenied, validation_summary
from ihub.models import Role
from ihub.tenants.auth import CSRF_HEADER, SESSION_COOKIE, Principal, principal_from_session
from ihub.ui import nav
from ihub.ui.labels import DEFAULT_LANGUAGE, LABELS, translate

LANG_COOKIE = "ihub_lang"
STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class LoginRequired(IhubError):
    """Raised by UI pages without a session; rendered as a redirect to the login page."""

    status_code = 401
    title = "Sign-in required"


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LABELS:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "ru" if accept.lower().startswith("ru") else DEFAULT_LANGUAGE


def _format_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return value.strftime(fmt) + " UTC" if value else "—"


def _local_time(value: datetime | None, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M") if value else "—"


def _duration(start: datetime | None, end: datetime | None) -> str:
    if not start or not end:
        return "—"
    seconds = int((end - start).total_seconds())
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


templates.env.filters["time"] = _format_time
templates.env.filters["duration"] = _duration
templates.env.filters["local_time"] = _local_time
templates.env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2)
templates.env.globals["urlencode"] = lambda params: urlencode(
    [(k, v) for k, v in params.items() if v not in (None, "")], doseq=True
)


def ui_principal(request: Request, session: SessionDep) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    principal = principal_from_session(session, token) if token else None
    if principal is None:
        raise LoginRequired("Sign in to continue.")
    if request.method not in ("GET", "HEAD"):
        # HTMX sends the token as a header (hx-headers on <body>); plain forms as a field.
        sent = request.headers.get(CSRF_HEADER) or getattr(request.state, "form_csrf", None)
        if sent != principal.csrf_token:
            raise PermissionDenied("The form is out of date; reload the page and try again.")
    request.state.principal = principal
    return principal


async def _read_form_csrf(request: Request) -> None:
    if request.method not in ("GET", "HEAD") and CSRF_HEADER not in request.headers:
        form = await request.form()
        token = form.get("csrf_token")
        request.state.form_csrf = token if isinstance(token, str) else None


def require_ui(role: Role) -> Any:
    async def dependency(
        _: Annotated[None, Depends(_read_form_csrf)],
        principal: Annotated[Principal, Depends(ui_principal)],
    ) -> Principal:
        if not principal.role.allows(role):
            raise PermissionDenied(f"This page needs the {role.value} role.")
        return principal

    return dependency


UiViewer = Annotated[Principal, Depends(require_ui(Role.viewer))]
UiOperator = Annotated[Principal, Depends(require_ui(Role.operator))]
UiAdmin = Annotated[Principal, Depends(require_ui(Role.admin))]


def form_error(exc: Exception) -> str:
    """What a form shows when its input is refused: field errors first-hand, else the message."""
    if isinstance(exc, ValidationError):
        return validation_summary(exc)
    if isinstance(exc, IhubError):
        extra = exc.extra.get("errors") or []
        return exc.message + "".join(f" {e['field']}: {e['message']}." for e in extra)
    return str(exc)


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "t": lambda key, **values: translate(lang, key, **values),
            "lang": lang,
            "principal": principal,
            "nav": nav.sections(principal.role) if principal else [],
            "csrf_token": principal.csrf_token if principal else "",
            "can": lambda role: principal is not None and principal.role.allows(Role(role)),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def login_redirect_target(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="")
