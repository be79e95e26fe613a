"""Sign-in, sign-out, language switch and the API keys page."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ihub.config import get_settings
from ihub.db import SessionDep
from ihub.errors import IhubError
from ihub.kit.clock import utcnow
from ihub.models import Role
from ihub.tenants import service
from ihub.tenants.auth import SESSION_COOKIE, rate_limiter
from ihub.tenants.repository import ApiKeyRepository
from ihub.tenants.schemas import ApiKeyCreate
from ihub.ui.labels import LABELS
from ihub.ui.web import LANG_COOKIE, UiAdmin, UiViewer, render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "ihub_login_csrf"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _login_page(
    request: Request, next_url: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", None, status, next=next_url, error=error, login_csrf=token
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
        max_age=3600,
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = get_settings()
    next_url = _safe_next(next)
    if not csrf_token or csrf_token != request.cookies.get(LOGIN_CSRF_COOKIE):
        return _login_page(request, next_url, "auth.expired", 400)
    client_ip = request.client.host if request.client else "unknown"
    for key in (f"ip:{client_ip}", f"email:{email.strip().lower()}"):
        wait = rate_limiter().hit(settings.login_rate_limit, "login", key)
        if wait is not None:
            return _login_page(request, next_url, f"auth.too_many:{wait}", 429)
    opened = service.login(
        session,
        email,
        password,
        hours=settings.session_hours,
        ip=client_ip,
        user_agent=request.headers.get("user-agent", ""),
    )
    if opened is None:
        return _login_page(request, next_url, "auth.failed", 401)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, principal: UiViewer, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.logout(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LABELS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


def _api_keys_page(
    request: Request,
    principal: UiAdmin,
    session: Session,
    *,
    created: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    repository = ApiKeyRepository(session, principal.tenant_id)
    keys = repository.list(repository.select().order_by(repository.model.created_at.desc()))
    return render(
        request,
        "api_keys.html",
        principal,
        status,
        keys=keys,
        roles=list(Role),
        created=created,
        error=error,
        now=utcnow(),
    )


@router.get("/api-keys")
def api_keys(request: Request, principal: UiAdmin, session: SessionDep) -> HTMLResponse:
    return _api_keys_page(request, principal, session)


@router.post("/api-keys")
def create_api_key(
    request: Request,
    principal: UiAdmin,
    session: SessionDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    role: Annotated[Role, Form()] = Role.viewer,
    expires_at: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        expires = datetime.fromisoformat(expires_at).replace(tzinfo=UTC) if expires_at else None
        key, _ = service.create_api_key(
            session,
            principal.tenant_id,
            principal.actor,
            ApiKeyCreate(name=name, role=role, expires_at=expires),
            actor_role=principal.role,
            created_by_user_id=principal.user_id,
        )
    except (IhubError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, IhubError) else str(exc)
        return _api_keys_page(request, principal, session, error=message, status=422)
    return _api_keys_page(request, principal, session, created=key)


@router.post("/api-keys/{key_id}/revoke")
def revoke_api_key(
    request: Request, principal: UiAdmin, session: SessionDep, key_id: uuid.UUID
) -> Response:
    service.revoke_api_key(session, principal.tenant_id, principal.actor, key_id)
    return RedirectResponse("/api-keys", status_code=303)
