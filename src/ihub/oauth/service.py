"""OAuth token pairs of connections: stored sealed, handed out, refreshed one at a time.

Providers that rotate refresh tokens (Allegro, Kommo) spend the old refresh token when they
issue a new pair. Two workers refreshing one connection at once would both spend it, and the
pair stored last could be one the provider already replaced. So a refresh first takes a lease
on the token row with a compare-and-swap on its ``generation``; everyone else waits for the
new pair instead of refreshing too. The lease expires, so a refresher that dies frees it.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from sqlalchemy.orm import Session

from ihub.config import get_settings
from ihub.db import Database, get_database
from ihub.kit.clock import utcnow
from ihub.kit.crypto import SecretBox, load_master_key
from ihub.kit.failures import Terminal, Transient
from ihub.models import OAuthToken
from ihub.oauth.repository import OAuthTokenRepository

__all__ = [
    "ReauthorizationRequired",
    "RefreshBusy",
    "TokenKeeper",
    "TokenPair",
    "forget",
    "get_token",
    "store",
]

LEASE_SECONDS = 60.0  # longer than a refresh call with its retries may take
WAIT_SECONDS = 75.0  # how long a process waits for another one's refresh
REFRESH_MARGIN = timedelta(minutes=10)  # refresh this long before the access token expires


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


class RefreshBusy(Transient):
    """Another process has been refreshing the tokens for too long; try again later."""

    retry_after = 30.0


@lru_cache
def _box() -> SecretBox:
    settings = get_settings()
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return SecretBox(load_master_key(configured, settings.data_dir))


def _seal(row_id: uuid.UUID, kind: str, value: str) -> str:
    # Bound to its row and kind: a ciphertext copied elsewhere does not decrypt.
    return _box().encrypt(value, f"oauth_token:{row_id}:{kind}")


def _unseal(row: OAuthToken, kind: str) -> str:
    sealed = row.access_token if kind == "access" else row.refresh_token
    return _box().decrypt(sealed, f"oauth_token:{row.id}:{kind}")


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
    row.access_token = _seal(row.id, "access", pair.access_token)
    row.refresh_token = _seal(row.id, "refresh", pair.refresh_token)
    row.access_expires_at = pair.expires_at
    row.refreshed_at = utcnow()
    row.lease_owner = row.lease_until = row.rejected_at = row.rejected_reason = None
    return repository.add(row)


def forget(session: Session, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> None:
    repository = OAuthTokenRepository(session, tenant_id)
    if (row := repository.for_connection(connection_id)) is not None:
        repository.delete(row)


@dataclass(frozen=True)
class _Access:
    token: str
    expires_at: datetime
    refreshed_at: datetime
    generation: int

    def expiring(self, now: datetime) -> bool:
        # A tenth of the lifetime, at most ten minutes: short-lived tokens refresh in time too.
        margin = min(REFRESH_MARGIN, (self.expires_at - self.refreshed_at) / 10)
        return now >= self.expires_at - margin


class TokenKeeper:
    """Hands out a connection's access token and refreshes it when it is about to expire or
    the provider refused it. Thread-safe; one keeper per run, any number of processes.

    Args:
        renew: exchanges a refresh token for a new pair (the provider's refresh grant).
        rejected: the exceptions of ``renew`` that mean "this refresh token is dead".
        on_rejected: called in the transaction that marks the tokens rejected, with the reason
            (e.g. to flag the connection for reauthorization).
    """

    def __init__(
        self,
        tenant_id: uuid.UUID,
        connection_id: uuid.UUID,
        renew: Callable[[str], TokenPair],
        *,
        rejected: tuple[type[Exception], ...] = (),
        on_rejected: Callable[[Session, str], None] | None = None,
        database: Database | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.connection_id = connection_id
        self.renew = renew
        self.rejected = rejected
        self.on_rejected = on_rejected
        self.database = database or get_database()
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
        self._lock = threading.Lock()
        self._access: _Access | None = None

    def access_token(self) -> str:
        with self._lock:
            now = utcnow()
            if self._access is None or self._access.expiring(now):
                self._access = self._load()
            if self._access.expiring(now):
                self._access = self._refresh(self._access.generation)
            return self._access.token

    def refresh_after(self, rejected: str) -> str:
        """A token other than ``rejected``: another process's newer one, or a refreshed one."""
        with self._lock:
            stored = self._load()
            if stored.token != rejected and not stored.expiring(utcnow()):
                self._access = stored
            else:
                self._access = self._refresh(stored.generation)
            return self._access.token

    def _usable(self, row: OAuthToken | None) -> OAuthToken:
        if row is None:
            raise ReauthorizationRequired("The connection is not authorized yet; authorize it.")
        if row.rejected_at is not None:
            raise ReauthorizationRequired(
                row.rejected_reason or "The provider refused the stored tokens; authorize again."
            )
        return row

    def _access_of(self, row: OAuthToken) -> _Access:
        return _Access(
            _unseal(row, "access"), row.access_expires_at, row.refreshed_at, row.generation
        )

    def _load(self) -> _Access:
        with self.database.scope(write=False) as session:
            row = self._usable(get_token(session, self.tenant_id, self.connection_id))
            return self._access_of(row)

    def _refresh(self, generation: int) -> _Access:
        """Refresh generation ``generation`` of the pair, or wait for whoever is doing it."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            with self.database.scope() as session:
                repository = OAuthTokenRepository(session, self.tenant_id)
                row = self._usable(repository.for_connection(self.connection_id))
                if row.generation != generation:
                    return self._access_of(row)  # someone else refreshed meanwhile
                now = utcnow()
                if repository.take_lease(
                    row.id, generation, self.owner, now, now + timedelta(seconds=LEASE_SECONDS)
                ):
                    token_id, refresh_token = row.id, _unseal(row, "refresh")
                    break
            if time.monotonic() > deadline:
                raise RefreshBusy("Another process is still refreshing the connection's tokens.")
            time.sleep(0.2)
        return self._renew(token_id, generation, refresh_token)

    def _renew(self, token_id: uuid.UUID, generation: int, refresh_token: str) -> _Access:
        try:
            pair = self.renew(refresh_token)
        except self.rejected as exc:
            reason = str(exc)
            with self.database.scope() as session:
                OAuthTokenRepository(session, self.tenant_id).release_lease(
                    token_id, self.owner, rejected_at=utcnow(), rejected_reason=reason
                )
                if self.on_rejected is not None:
                    self.on_rejected(session, reason)
            raise ReauthorizationRequired(reason) from exc
        except BaseException:
            with self.database.scope() as session:
                OAuthTokenRepository(session, self.tenant_id).release_lease(token_id, self.owner)
            raise
        now = utcnow()
        with self.database.scope() as session:
            stored = OAuthTokenRepository(session, self.tenant_id).replace_pair(
                token_id,
                generation,
                self.owner,
                access_token=_seal(token_id, "access", pair.access_token),
                refresh_token=_seal(token_id, "refresh", pair.refresh_token),
                access_expires_at=pair.expires_at,
                scope=pair.scope,
                refreshed_at=now,
                updated_at=now,
            )
        if not stored:
            # The lease ran out and another process refreshed too; its pair is the one kept.
            return self._load()
        return _Access(pair.access_token, pair.expires_at, now, generation + 1)
