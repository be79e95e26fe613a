from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ihub.kit.repository import TenantRepository
from ihub.models import ApiKey, Tenant, User, UserSession


class UserRepository(TenantRepository[User]):
    model = User


class ApiKeyRepository(TenantRepository[ApiKey]):
    model = ApiKey


class UserSessionRepository(TenantRepository[UserSession]):
    model = UserSession


class CredentialLookup:
    """Queries that find *which* tenant a credential belongs to, so they cannot be scoped."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def tenant(self, tenant_id: uuid.UUID) -> Tenant | None:
        return self.session.get(Tenant, tenant_id)

    def timezone(self, tenant_id: uuid.UUID) -> str | None:
        return self.session.scalar(select(Tenant.timezone).where(Tenant.id == tenant_id))

    def user_by_email(self, email: str) -> User | None:
        return self.session.scalars(select(User).where(User.email == email.lower())).one_or_none()

    def api_key(self, api_key_id: uuid.UUID) -> ApiKey | None:
        return self.session.get(ApiKey, api_key_id)

    def active_api_key(self, token_hash: str, now: datetime) -> ApiKey | None:
        return self.session.scalars(
            select(ApiKey).where(
                ApiKey.token_hash == token_hash,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
            )
        ).one_or_none()

    def live_session(self, token_hash: str, now: datetime) -> tuple[UserSession, User] | None:
        row = self.session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.token_hash == token_hash,
                UserSession.expires_at > now,
                User.is_active.is_(True),
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def tenant_ids(self) -> list[uuid.UUID]:
        return list(self.session.scalars(select(Tenant.id).order_by(Tenant.created_at)))

    def any_tenant(self) -> bool:
        return self.session.scalar(select(Tenant.id).limit(1)) is not None
