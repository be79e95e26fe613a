"""One refresh at a time per connection, across threads and processes, against an emulator
that rotates refresh tokens and refuses a spent one at once (no grace)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest

from ihub.connectors.allegro.auth import TokenSet
from ihub.connectors.allegro.errors import RefreshTokenRejected
from ihub.db import Database
from ihub.kit.clock import utcnow
from ihub.oauth import service as oauth
from ihub.oauth.keeper import TokenKeeper
from ihub.oauth.service import ReauthorizationRequired
from tests.fixtures.allegro import AllegroSandbox, MakeSandbox, create_connection
from tests.fixtures.app import TenantHandle


def stored(
    database: Database,
    tenant: TenantHandle,
    sandbox: AllegroSandbox,
    pair: TokenSet | None = None,
) -> uuid.UUID:
    """A connection holding ``pair`` (by default, a freshly authorized one)."""
    connection_id = uuid.UUID(create_connection(tenant, sandbox))
    with database.scope() as session:
        oauth.store(
            session,
            uuid.UUID(tenant.tenant_id),
            connection_id,
            provider="allegro",
            pair=pair or sandbox.authorize(),
        )
    return connection_id


def keeper(tenant: TenantHandle, connection_id: uuid.UUID, sandbox: AllegroSandbox) -> TokenKeeper:
    return TokenKeeper(
        uuid.UUID(tenant.tenant_id),
        connection_id,
        sandbox.oauth().refresh,
        rejected=(RefreshTokenRejected,),
    )


def test_racing_threads_refresh_once_and_share_the_new_pair(
    database: Database, tenant: TenantHandle, make_allegro_sandbox: MakeSandbox
) -> None:
    sandbox = make_allegro_sandbox(refresh_grace_seconds=0)
    connection_id = stored(database, tenant, sandbox)
    keepers = [keeper(tenant, connection_id, sandbox) for _ in range(6)]
    old = keepers[0].access_token()
    start = threading.Barrier(len(keepers))

    def race(k: TokenKeeper) -> str:
        start.wait()
        return k.refresh_after(old)

    with ThreadPoolExecutor(len(keepers)) as pool:
        tokens = set(pool.map(race, keepers))

    assert len(tokens) == 1
    assert old not in tokens
    stats = sandbox.stats()
    assert (stats["refreshes"], stats["refused_refreshes"]) == (1, 0)
    assert keeper(tenant, connection_id, sandbox).access_token() in tokens


RACER = """
import json, sys, time, uuid
from ihub.connectors.allegro.auth import AllegroOAuth, oauth_requester
from ihub.connectors.allegro.auth import TokenSet
from ihub.connectors.allegro.errors import RefreshTokenRejected
from ihub.connectors.allegro.spec import AllegroSettings
from ihub.oauth.keeper import TokenKeeper

args = json.loads(sys.argv[1])
settings = AllegroSettings.model_validate(args["settings"])
renew = AllegroOAuth(oauth_requester(settings, args["secret"]), settings.client_id).refresh
keeper = TokenKeeper(uuid.UUID(args["tenant"]), uuid.UUID(args["connection"]), renew,
                     rejected=(RefreshTokenRejected,))
time.sleep(max(0.0, args["start_at"] - time.time()))
print(keeper.refresh_after(args["old"]))
"""


def test_racing_processes_refresh_once(
    database: Database, tenant: TenantHandle, make_allegro_sandbox: MakeSandbox
) -> None:
    sandbox = make_allegro_sandbox(refresh_grace_seconds=0)
    connection_id = stored(database, tenant, sandbox)
    old = keeper(tenant, connection_id, sandbox).access_token()
    args = {
        "settings": sandbox.settings.model_dump(),
        "secret": sandbox.client_secret,
        "tenant": tenant.tenant_id,
        "connection": str(connection_id),
        "old": old,
        "start_at": time.time() + 4,  # past every child's start-up, so they really race
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, json.dumps(args)],
            stdout=subprocess.PIPE,
            env=os.environ.copy(),
        )
        for _ in range(3)
    ]
    tokens = {child.communicate(timeout=120)[0].decode().strip() for child in children}
    assert all(child.returncode == 0 for child in children)
    assert len(tokens) == 1
    assert old not in tokens
    assert sandbox.stats()["refreshes"] == 1


def test_an_expired_access_token_is_refreshed_before_use(
    database: Database, tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    pair = allegro_sandbox.authorize()
    expired = replace(pair, expires_at=utcnow() - timedelta(seconds=1))
    connection_id = stored(database, tenant, allegro_sandbox, expired)
    token = keeper(tenant, connection_id, allegro_sandbox).access_token()
    assert token != pair.access_token
    assert allegro_sandbox.stats()["refreshes"] == 1


def test_a_dead_refresh_token_needs_a_new_authorization(
    database: Database, tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = stored(database, tenant, allegro_sandbox)
    k = keeper(tenant, connection_id, allegro_sandbox)
    old = k.access_token()
    allegro_sandbox.control.post("/_emulator/revoke")

    with pytest.raises(ReauthorizationRequired, match="no longer accepts"):
        k.refresh_after(old)
    with database.scope() as session:
        row = oauth.get_token(session, uuid.UUID(tenant.tenant_id), connection_id)
        assert row is not None
        assert row.rejected_at is not None
        assert row.lease_owner is None
    # Later calls fail at once, without spending requests at Allegro.
    with pytest.raises(ReauthorizationRequired):
        keeper(tenant, connection_id, allegro_sandbox).access_token()
    assert allegro_sandbox.stats()["refused_refreshes"] == 1


def test_tokens_are_sealed_at_rest(
    database: Database, tenant: TenantHandle, allegro_sandbox: AllegroSandbox
) -> None:
    connection_id = stored(database, tenant, allegro_sandbox)
    access = keeper(tenant, connection_id, allegro_sandbox).access_token()
    with database.scope() as session:
        row = oauth.get_token(session, uuid.UUID(tenant.tenant_id), connection_id)
        assert row is not None
        assert access not in row.access_token
        assert row.access_token.startswith("v1:")
        assert row.account_id is None
