"""Test an Allegro connection without the seller's tokens: are the Client ID and secret
accepted, and does the API answer where the settings say it is?"""

from __future__ import annotations

import httpx

from ihub.connectors.allegro.auth import AllegroOAuth, oauth_requester
from ihub.connectors.allegro.client import api_requester
from ihub.connectors.allegro.errors import RefreshTokenRejected
from ihub.connectors.allegro.spec import AllegroSecrets, AllegroSettings
from ihub.connectors.base import CheckReport, CheckStep
from ihub.kit.http import AuthenticationFailed, ConnectorError, RetryPolicy

__all__ = ["check_connection"]

_NO_RETRY = RetryPolicy(attempts=1)
_PROBE_TOKEN = "ihub-connection-test"  # a refresh token Allegro cannot know


def _client_step(
    settings: AllegroSettings, secret: str, transport: httpx.BaseTransport | None
) -> CheckStep:
    requester = oauth_requester(settings, secret, retry=_NO_RETRY, transport=transport)
    try:
        with requester.client:
            AllegroOAuth(requester, settings.client_id).refresh(_PROBE_TOKEN)
    except RefreshTokenRejected:
        # The token is refused, so the client itself was accepted: what we wanted to know.
        return CheckStep("client credentials", True, "the Client ID and secret are accepted")
    except AuthenticationFailed:
        return CheckStep(
            "client credentials", False, "Allegro refused the Client ID or the client secret"
        )
    except ConnectorError as exc:
        return CheckStep("client credentials", False, exc.message)
    return CheckStep("client credentials", True, "the Client ID and secret are accepted")


def _api_step(settings: AllegroSettings, transport: httpx.BaseTransport | None) -> CheckStep:
    requester = api_requester(settings, retry=_NO_RETRY, transport=transport)
    try:
        with requester.client:
            requester.get("/order/event-stats")
    except AuthenticationFailed:
        return CheckStep("REST API", True, "reachable (it asks for the seller's token)")
    except ConnectorError as exc:
        return CheckStep("REST API", False, exc.message)
    return CheckStep("REST API", True, "reachable")


def check_connection(
    settings: AllegroSettings,
    secrets: AllegroSecrets,
    *,
    transport: httpx.BaseTransport | None = None,
) -> CheckReport:
    steps = [
        _client_step(settings, secrets.client_secret.get_secret_value(), transport),
        _api_step(settings, transport),
    ]
    failed = next((step for step in steps if not step.ok), None)
    if failed is not None:
        return CheckReport(False, f"{failed.name}: {failed.message}", steps)
    return CheckReport(
        True,
        "Allegro accepts the application; authorize the connection so ihub can read orders.",
        steps,
    )
