"""Tenants, users, API keys and UI sessions. Never commits; callers own the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ihub import audit
from ihub.audit.actor import Actor
from ihub.config import get_settings
from ihub.db import after_commit
from ihub.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from ihub.kit.clock import utcnow
from ihub.kit.crypto import hash_token, new_token
from ihub.models import ApiKey, Role, Tenant, User, UserSession
from ihub.tenants.passwords import generate_password, hash_password, needs_rehash, verify_password
from ihub.tenants.recent import principals, zones
from ihub.tenants.repository import (
    ApiKeyRepository,
    CredentialLookup,
    UserRepository,
    UserSessionRepository,
)
from ihub.tenants.schemas import ApiKeyCreate, TenantUpdate, UserCreate, UserUpdate

API_KEY_PREFIX = "ihub_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    admin: User
    admin_password: str
    api_key: str


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    user: User


# --- tenants ---


def create_tenant(
    session: Session, *, name: str, admin_email: str, timezone: str = "Europe/Moscow"
) -> NewTenant:
    """A tenant with its first admin (random password) and an admin API key."""
    tenant = Tenant(name=name, timezone=timezone)
    session.add(tenant)
    session.flush()
    actor = Actor("system", None, "system")
    password = generate_password()
    admin = create_user(
        session, tenant.id, actor, UserCreate(email=admin_email, role=Role.admin, password=password)
    )
    key, _ = create_api_key(
        session, tenant.id, actor, ApiKeyCreate(name="bootstrap", role=Role.admin)
    )
    audit.record(session, tenant.id, actor, "tenant.created", "tenant", tenant.id, {"name": name})
    return NewTenant(tenant, admin, password, key)


def get_tenant(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = CredentialLookup(session).tenant(tenant_id)
    if tenant is None:
        raise NotFound("Tenant not found.")
    return tenant


def tenant_timezone(session: Session, tenant_id: uuid.UUID) -> str:
    """The tenant's IANA zone: every analytics request needs it (``tenants.recent``)."""
    zone = zones.get(tenant_id)
    if zone is None:
        zone = CredentialLookup(session).timezone(tenant_id)
        if zone is None:
            raise NotFound("Tenant not found.")
        zones.put(tenant_id, zone, get_settings().auth_cache_seconds)
    return zone


def update_tenant(session: Session, tenant: Tenant, actor: Actor, data: TenantUpdate) -> Tenant:
    before = {"name": tenant.name, "timezone": tenant.timezone}
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(tenant, field, value)
    after = {"name": tenant.name, "timezone": tenant.timezone}
    if after["timezone"] != before["timezone"]:
        after_commit(session, zones.forget_all)
    audit.record(
        session, tenant.id, actor, "tenant.updated", "tenant", tenant.id, audit.diff(before, after)
    )
    return tenant


# --- users ---


def create_user(session: Session, tenant_id: uuid.UUID, actor: Actor, data: UserCreate) -> User:
    if CredentialLookup(session).user_by_email(data.email) is not None:
        raise Conflict(f"A user with e-mail {data.email} already exists.")
    user = UserRepository(session, tenant_id).add(
        User(
            email=data.email,
            name=data.name,
            role=data.role,
            password_hash=hash_password(data.password or generate_password()),
        )
    )
    audit.record(
        session,
        tenant_id,
        actor,
        "user.created",
        "user",
        user.id,
        {"email": user.email, "role": user.role},
    )
    return user


def get_user(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = UserRepository(session, tenant_id).get(user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def update_user(
    session: Session, tenant_id: uuid.UUID, actor: Actor, user_id: uuid.UUID, data: UserUpdate
) -> User:
    user = get_user(session, tenant_id, user_id)
    before = _user_fields(user)
    changes = data.model_dump(exclude_unset=True)
    if actor.id == str(user.id) and (
        changes.get("role") not in (None, Role.admin) or changes.get("is_active") is False
    ):
        raise Unprocessable("You cannot demote or deactivate yourself; ask another admin.")
    password = changes.pop("password", None)
    for field, value in changes.items():
        if value is not None:
            setattr(user, field, value)
    if password:
        user.password_hash = hash_password(password)
        _end_sessions(session, user.id)
    if user.is_active is False:
        _end_sessions(session, user.id)
    diff = audit.diff(before, _user_fields(user))
    if password:
        diff["password"] = [audit.REDACTED, audit.REDACTED]
    audit.record(session, tenant_id, actor, "user.updated", "user", user.id, diff)
    return user


def delete_user(session: Session, tenant_id: uuid.UUID, actor: Actor, user_id: uuid.UUID) -> None:
    user = get_user(session, tenant_id, user_id)
    if actor.id == str(user.id):
        raise Unprocessable("You cannot delete yourself; ask another admin.")
    UserRepository(session, tenant_id).delete(user)
    audit.record(session, tenant_id, actor, "user.deleted", "user", user_id, {"email": user.email})


def _user_fields(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "is_active": user.is_active}


def _end_sessions(session: Session, user_id: uuid.UUID) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


# --- API keys ---


def create_api_key(
    session: Session,
    tenant_id: uuid.UUID,
    actor: Actor,
    data: ApiKeyCreate,
    *,
    actor_role: Role = Role.admin,
    created_by_user_id: uuid.UUID | None = None,
) -> tuple[str, ApiKey]:
    if not actor_role.allows(data.role):
        raise PermissionDenied("You cannot create a key with more rights than your own.")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise Unprocessable("expires_at must be in the future.")
    key = new_token(API_KEY_PREFIX)
    api_key = ApiKeyRepository(session, tenant_id).add(
        ApiKey(
            name=data.name,
            prefix=key[: len(API_KEY_PREFIX) + 6],
            token_hash=hash_token(key),
            role=data.role,
            expires_at=data.expires_at,
            created_by_user_id=created_by_user_id,
        )
    )
    audit.record(
        session,
        tenant_id,
        actor,
        "api_key.created",
        "api_key",
        api_key.id,
        {"name": data.name, "role": data.role},
    )
    return key, api_key


def get_api_key(session: Session, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    api_key = ApiKeyRepository(session, tenant_id).get(key_id)
    if api_key is None:
        raise NotFound("API key not found.")
    return api_key


def revoke_api_key(
    session: Session, tenant_id: uuid.UUID, actor: Actor, key_id: uuid.UUID
) -> ApiKey:
    api_key = get_api_key(session, tenant_id, key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        after_commit(session, principals.forget_all)  # this process refuses it at once
        audit.record(
            session,
            tenant_id,
            actor,
            "api_key.revoked",
            "api_key",
            api_key.id,
            {"name": api_key.name},
        )
    return api_key


def resolve_api_key(session: Session, token_hash: str) -> ApiKey | None:
    """The active key whose token hashes to ``token_hash`` (``kit.crypto.hash_token``)."""
    return CredentialLookup(session).active_api_key(token_hash, utcnow())


def touch_api_key(session: Session, api_key_id: uuid.UUID) -> None:
    """Record use at most once a minute, so reads do not turn into writes."""
    now = utcnow()
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == api_key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - _LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )


def needs_touch(api_key: ApiKey) -> bool:
    last = api_key.last_used_at
    return last is None or last < utcnow() - _LAST_USED_RESOLUTION


# --- UI sessions ---


def login(
    session: Session, email: str, password: str, *, hours: int, ip: str = "", user_agent: str = ""
) -> NewSession | None:
    """Check the password and open a session; None when e-mail or password is wrong."""
    user = CredentialLookup(session).user_by_email(email.strip())
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    now = utcnow()
    user.last_login_at = now
    token = new_token("", 32)
    csrf = new_token("", 24)
    UserSessionRepository(session, user.tenant_id).add(
        UserSession(
            user_id=user.id,
            token_hash=hash_token(token),
            csrf_token=csrf,
            expires_at=now + timedelta(hours=hours),
            last_seen_at=now,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return NewSession(token, csrf, user)


def resolve_session(session: Session, token: str) -> tuple[UserSession, User] | None:
    return CredentialLookup(session).live_session(hash_token(token), utcnow())


def logout(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))


def purge_expired_sessions(session: Session, now: datetime) -> int:
    result = session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
