"""Hands out a connection's access token and refreshes it, one process at a time.

Providers that rotate refresh tokens (Allegro, Kommo) spend the old refresh token when they
issue a new pair. Two workers refreshing one connection at once would both spend it, and the
pair stored last could be one the provider already replaced. So a refresh first takes a lease
on the token row with a compare-and-swap on its ``generation``; everyone else waits for the
new pair instead of refreshing too. The lease expires, so a refresher that dies frees it.

The keeper opens short transactions of its own: callers on SQLite must not hold a write
transaction of theirs while they ask it for a token.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ihub.db import Database, get_database
from ihub.kit.clock import utcnow
from ihub.kit.failures import Transient
from ihub.models import OAuthToken
from ihub.oauth.repository import OAuthTokenRepository
from ihub.oauth.service import (
    ReauthorizationRequired,
    TokenPair,
    access_token_of,
    get_token,
    refresh_token_of,
    seal,
    token_owner,
)

__all__ = ["RefreshBusy", "TokenKeeper"]

LEASE_SECONDS = 60.0  # longer than a refresh call with its retries may take
WAIT_SECONDS = 75.0  # how long a process waits for another one's refresh
REFRESH_MARGIN = timedelta(minutes=10)  # refresh this long before the access token expires


class RefreshBusy(Transient):
    """Another process has been refreshing the tokens for too long; try again later."""

    retry_after = 30.0


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
        rejected: the exceptions of ``renew`` that mean "this refresh token is dead"; the
            tokens are then marked rejected and every later call fails at once with
            ``ReauthorizationRequired``.
    """

    def __init__(
        self,
        tenant_id: uuid.UUID,
        connection_id: uuid.UUID,
        renew: Callable[[str], TokenPair],
        *,
        rejected: tuple[type[Exception], ...] = (),
        database: Database | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.connection_id = connection_id
        self.renew = renew
        self.rejected = rejected
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
            access_token_of(row), row.access_expires_at, row.refreshed_at, row.generation
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
                    token_id, refresh_token = row.id, refresh_token_of(row)
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
                access_token=seal(pair.access_token, token_owner(token_id, "access")),
                refresh_token=seal(pair.refresh_token, token_owner(token_id, "refresh")),
                access_expires_at=pair.expires_at,
                scope=pair.scope,
                refreshed_at=now,
                updated_at=now,
            )
        if not stored:
            # The lease ran out and another process refreshed too; its pair is the one kept.
            return self._load()
        return _Access(pair.access_token, pair.expires_at, now, generation + 1)
