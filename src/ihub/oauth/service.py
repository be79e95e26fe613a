"""OAuth token pairs of connections, sealed at rest. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from ihub.config import get_secret_box
from ihub.kit.clock import utcnow
from ihub.kit.failures import Terminal
from ihub.models import OAuthToken
from ihub.oauth.repository import OAuthTokenRepository

__all__ = [
    "ReauthorizationRequired",
    "TokenPair",
    "access_token_of",
    "get_token",
    "refresh_token_of",
    "seal",
    "store",
    "token_owner",
    "unseal",
]


class TokenPair(Protocol):
    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def scope(self) -> str | None: ...


class ReauthorizationRequired(Terminal):
    """The connection has no usable tokens: someone has to authorize it (again)."""


def seal(value: str, owner: str) -> str:
    """Encrypt ``value`` for ``owner`` (e.g. ``oauth_token:<id>:access``): a ciphertext
    copied to another owner does not decrypt."""
    return get_secret_box().encrypt(value, owner)


def unseal(sealed: str, owner: str) -> str:
    return get_secret_box().decrypt(sealed, owner)


def token_owner(token_id: uuid.UUID, kind: str) -> str:
    return f"oauth_token:{token_id}:{kind}"


def access_token_of(row: OAuthToken) -> str:
    return unseal(row.access_token, token_owner(row.id, "access"))


def refresh_token_of(row: OAuthToken) -> str:
    return unseal(row.refresh_token, token_owner(row.id, "refresh"))


def get_token(
    session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID
) -> OAuthToken | None:
    return OAuthTokenRepository(session, tenant_id).for_connection(connection_id)


def store(
    session: Session,
    tenant_id: uuid.UUID,
    connection_id: uuid.UUID,
    *,
    provider: str,
    pair: TokenPair,
    account_id: str | None = None,
) -> OAuthToken:
    """Keep a newly authorized pair, replacing (and outdating) any earlier one."""
    repository = OAuthTokenRepository(session, tenant_id)
    row = repository.for_connection(connection_id)
    if row is None:
        row = OAuthToken(id=uuid.uuid4(), connection_id=connection_id, generation=0)
    row.generation += 1
    row.provider = provider
    row.account_id = account_id
    row.scope = pair.scope
    row.access_token = seal(pair.access_token, token_owner(row.id, "access"))
    row.refresh_token = seal(pair.refresh_token, token_owner(row.id, "refresh"))
    row.access_expires_at = pair.expires_at
    row.refreshed_at = utcnow()
    row.lease_owner = row.lease_until = row.rejected_at = row.rejected_reason = None
    return repository.add(row)
