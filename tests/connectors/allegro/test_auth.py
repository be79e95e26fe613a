"""Device authorization and refresh against the emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ihub.connectors.allegro.auth import AllegroOAuth, Polling, TokenSet, oauth_requester
from ihub.connectors.allegro.errors import (
    AuthorizationDenied,
    AuthorizationExpired,
    RefreshTokenRejected,
)
from ihub.connectors.allegro.spec import AllegroSettings, endpoints
from ihub.kit.http import AuthenticationFailed
from tests.fixtures.allegro import AllegroSandbox, MakeSandbox


def test_device_flow_pending_then_tokens_once(allegro_sandbox: AllegroSandbox) -> None:
    oauth = allegro_sandbox.oauth()
    code = oauth.start_device_flow()
    assert len(code.user_code) == 8
    assert code.verification_uri_complete == f"{code.verification_uri}?code={code.user_code}"
    assert code.verification_uri.startswith(allegro_sandbox.url)
    assert oauth.poll(code.device_code) is Polling.pending

    allegro_sandbox.approve(code.user_code)
    tokens = oauth.poll(code.device_code)
    assert isinstance(tokens, TokenSet)
    assert tokens.seller_id == allegro_sandbox.emulator.config.seller_id
    assert "allegro:api:orders:read" in (tokens.scope or "")

    with pytest.raises(AuthorizationExpired, match="Invalid device code"):
        oauth.poll(code.device_code)  # a device code gives tokens only once


def test_polling_faster_than_the_interval_is_told_to_slow_down(
    make_allegro_sandbox: MakeSandbox,
) -> None:
    sandbox: AllegroSandbox = make_allegro_sandbox(poll_interval=60)
    oauth = sandbox.oauth()
    code = oauth.start_device_flow()
    assert code.interval == 60
    assert oauth.poll(code.device_code) is Polling.pending
    assert oauth.poll(code.device_code) is Polling.slow_down


def test_a_denied_code_stops_the_flow(allegro_sandbox: AllegroSandbox) -> None:
    oauth = allegro_sandbox.oauth()
    code = oauth.start_device_flow()
    allegro_sandbox.approve(code.user_code, approve=False)
    with pytest.raises(AuthorizationDenied):
        oauth.poll(code.device_code)


def test_an_expired_code_stops_the_flow(allegro_sandbox: AllegroSandbox) -> None:
    oauth = allegro_sandbox.oauth()
    code = oauth.start_device_flow()
    grant = allegro_sandbox.emulator.authority.devices[code.device_code]
    grant.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(AuthorizationExpired, match="expired"):
        oauth.poll(code.device_code)


def test_wrong_client_secret_is_an_authentication_failure(
    allegro_sandbox: AllegroSandbox,
) -> None:
    oauth = AllegroOAuth(oauth_requester(allegro_sandbox.settings, "wrong"), "ihub-demo")
    with pytest.raises(AuthenticationFailed, match="invalid_client"):
        oauth.start_device_flow()


def test_refresh_rotates_and_a_spent_token_dies_after_the_grace(
    make_allegro_sandbox: MakeSandbox,
) -> None:
    sandbox: AllegroSandbox = make_allegro_sandbox(refresh_grace_seconds=0)
    oauth = sandbox.oauth()
    first = sandbox.authorize()
    second = oauth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    with pytest.raises(RefreshTokenRejected, match="authorize the connection again"):
        oauth.refresh(first.refresh_token)
    assert isinstance(oauth.refresh(second.refresh_token), TokenSet)


def test_a_spent_refresh_token_still_works_within_the_grace(
    allegro_sandbox: AllegroSandbox,
) -> None:
    oauth = allegro_sandbox.oauth()
    first = allegro_sandbox.authorize()
    oauth.refresh(first.refresh_token)
    assert isinstance(oauth.refresh(first.refresh_token), TokenSet)


def test_production_and_sandbox_hosts_follow_the_documentation() -> None:
    production = endpoints(AllegroSettings(client_id="x"))
    assert (production.auth_url, production.api_url) == (
        "https://allegro.pl",
        "https://api.allegro.pl",
    )
    sandbox = endpoints(AllegroSettings(client_id="x", environment="sandbox"))
    assert sandbox.api_url == "https://api.allegro.pl.allegrosandbox.pl"
    with pytest.raises(ValueError, match="custom environment needs both"):
        AllegroSettings(client_id="x", environment="custom", auth_url="http://a")
