"""Who is calling: API key (``Authorization: Bearer ihub_…``) or UI session cookie.

Every ``/api`` router depends on ``authenticate``, so a route is protected even when its
author forgets; ``Viewer``/``Operator``/``Admin`` then check the role. Cookie-authenticated
requests that change state must carry the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated

import anyio
import structlog
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ihub.audit.actor import Actor
from ihub.config import get_settings
from ihub.db import SessionDep, after_commit, get_database
from ihub.errors import NotAuthenticated, PermissionDenied, RateLimited
from ihub.kit.clock import utcnow
from ihub.kit.crypto import hash_token
from ihub.kit.ratelimit import RateLimiter
from ihub.models import Role
from ihub.tenants import service
from ihub.tenants.recent import principals

SESSION_COOKIE = "ihub_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    role: Role
    via: str  # "api_key" or "session"
    label: str
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    csrf_token: str | None = None

    @property
    def actor(self) -> Actor:
        if self.user_id is not None:
            return Actor("user", str(self.user_id), self.label)
        return Actor("api_key", str(self.api_key_id), self.label)


@lru_cache
def rate_limiter() -> RateLimiter:
    return RateLimiter(get_settings().rate_limit_storage_url)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def principal_from_session(session: Session, token: str) -> Principal | None:
    found = service.resolve_session(session, token)
    if found is None:
        return None
    user_session, user = found
    return Principal(
        tenant_id=user.tenant_id,
        role=user.role,
        via="session",
        label=user.email,
        user_id=user.id,
        csrf_token=user_session.csrf_token,
    )


def _touch(api_key_id: uuid.UUID) -> None:
    with get_database().scope() as session:
        service.touch_api_key(session, api_key_id)


def principal_from_api_key(session: Session, token_hash: str) -> Principal | None:
    """The key's principal, from this process's recent keys or else from the database."""
    principal = principals.get(token_hash)
    if principal is not None:
        return principal
    api_key = service.resolve_api_key(session, token_hash)
    if api_key is None:
        return None
    principal = Principal(
        tenant_id=api_key.tenant_id,
        role=api_key.role,
        via="api_key",
        label=f"{api_key.name} ({api_key.prefix}…)",
        api_key_id=api_key.id,
    )
    principals.put(token_hash, principal, _cacheable_seconds(api_key.expires_at))
    if service.needs_touch(api_key):
        # After the request's commit: on SQLite a second writer inside this request would
        # wait for the lock this request holds.
        key_id = api_key.id
        after_commit(session, lambda: _touch(key_id))
    return principal


def _cacheable_seconds(expires_at: datetime | None) -> float:
    seconds = get_settings().auth_cache_seconds
    if expires_at is not None:
        seconds = min(seconds, (expires_at - utcnow()).total_seconds())
    return seconds


async def authenticate(request: Request, session: SessionDep) -> Principal:
    """The caller, or 401. A key this process resolved a moment ago is admitted on the event
    loop: nothing to look up, so no worker thread (rate limits kept in memory); anything
    else is resolved in a worker thread."""
    key = _bearer(request)
    if key is not None and rate_limiter().local:
        token_hash = hash_token(key)
        if (known := principals.get(token_hash)) is not None:
            return _admitted(request, known, token_hash)
    return await anyio.to_thread.run_sync(authenticate_sync, request, session)


def authenticate_sync(request: Request, session: Session) -> Principal:
    principal: Principal | None = None
    if (key := _bearer(request)) is not None:
        principal = principal_from_api_key(session, hash_token(key))
    elif (cookie := request.cookies.get(SESSION_COOKIE)) is not None:
        principal = principal_from_session(session, cookie)
        if (
            principal is not None
            and request.method not in _SAFE_METHODS
            and request.headers.get(CSRF_HEADER) != principal.csrf_token
        ):
            raise PermissionDenied(f"Missing or wrong {CSRF_HEADER} header for a cookie session.")
    if principal is None:
        raise NotAuthenticated()
    return _admitted(request, principal, hash_token(key or cookie or ""))


def _admitted(request: Request, principal: Principal, credential_hash: str) -> Principal:
    """Count the request against the credential's rate limit and make it the request's."""
    retry_after = rate_limiter().hit(get_settings().api_rate_limit, "api", credential_hash)
    if retry_after is not None:
        raise RateLimited(retry_after)
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(tenant_id=str(principal.tenant_id))
    return principal


def require(role: Role) -> object:
    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.role.allows(role):
            raise PermissionDenied(
                f"This needs the {role.value} role; you have {principal.role.value}."
            )
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Operator = Annotated[Principal, Depends(require(Role.operator))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
