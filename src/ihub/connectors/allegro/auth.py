"""OAuth 2.0 at Allegro: the device authorization grant and the refresh grant.

Both endpoints take the client's credentials as HTTP Basic auth and form-encoded parameters
(reference A.1). Allegro rotates refresh tokens on every refresh; keeping only one refresh in
flight per seller is the caller's job (``ihub.oauth``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import httpx

from ihub.connectors.allegro.errors import (
    AuthorizationDenied,
    AuthorizationExpired,
    RefreshTokenRejected,
    describe,
    oauth_error,
)
from ihub.connectors.allegro.spec import AllegroSettings, endpoints
from ihub.kit.clock import utcnow
from ihub.kit.http import (
    InvalidResponse,
    Requester,
    RequestRejected,
    RetryPolicy,
    build_client,
)

__all__ = ["AllegroOAuth", "DeviceCode", "Polling", "TokenSet", "oauth_requester"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OAUTH_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str | None = None

    @property
    def seller_id(self) -> str | None:
        """The seller's user id from the JWT's ``user_name`` claim, when it can be read."""
        try:
            payload = self.access_token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return None
        user = claims.get("user_name") if isinstance(claims, dict) else None
        return str(user) if user is not None else None


class Polling(Enum):
    """A device-code poll that has no token yet."""

    pending = "authorization_pending"
    slow_down = "slow_down"


def _int(body: dict[str, Any], key: str) -> int:
    # The tutorial quotes these numbers as strings; real responses send integers (A.1).
    try:
        return int(body[key])
    except (KeyError, TypeError, ValueError):
        raise InvalidResponse(f"Allegro's OAuth answer lacks a numeric {key!r}") from None


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"Allegro's OAuth answer lacks {key!r}")
    return value


def _object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise InvalidResponse(f"Allegro's {what} answer is not a JSON object")
    return body


def _tokens(response: httpx.Response) -> TokenSet:
    body = _object(response, "token")
    return TokenSet(
        access_token=_str(body, "access_token"),
        refresh_token=_str(body, "refresh_token"),
        expires_at=utcnow() + timedelta(seconds=_int(body, "expires_in")),
        scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
    )


def oauth_requester(
    settings: AllegroSettings,
    client_secret: str,
    *,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Requester:
    client = build_client(
        endpoints(settings).auth_url,
        auth=httpx.BasicAuth(settings.client_id, client_secret),
        timeout=OAUTH_TIMEOUT,
        headers={"Accept": "application/json"},
        transport=transport,
    )
    # Token generation has a rate limit of its own (429); a few quick retries, no more.
    return Requester(
        client, system="Allegro", retry=retry or RetryPolicy(attempts=3), describe=describe
    )


class AllegroOAuth:
    def __init__(self, requester: Requester, client_id: str) -> None:
        self.requester = requester
        self.client_id = client_id

    def start_device_flow(self) -> DeviceCode:
        """Ask for a device code and the code the seller types in at Allegro."""
        response = self.requester.request(
            "POST", "/auth/oauth/device", data={"client_id": self.client_id}
        )
        body = _object(response, "device-code")
        user_code = _str(body, "user_code")
        uri = _str(body, "verification_uri")
        return DeviceCode(
            device_code=_str(body, "device_code"),
            user_code=user_code,
            verification_uri=uri,
            verification_uri_complete=body.get("verification_uri_complete")
            or f"{uri}?code={user_code}",
            expires_in=_int(body, "expires_in"),
            interval=_int(body, "interval"),
        )

    def poll(self, device_code: str) -> TokenSet | Polling:
        """One poll of the token endpoint: tokens, or why there are none yet.

        Raises ``AuthorizationDenied`` when the seller refused and ``AuthorizationExpired``
        for every other 400 (expired, spent or unknown code; reference A.1).
        """
        try:
            response = self.requester.request(
                "POST",
                "/auth/oauth/token",
                data={"grant_type": DEVICE_GRANT, "device_code": device_code},
            )
        except RequestRejected as exc:
            error, description = oauth_error(exc.body)
            if exc.status_code != 400:
                raise
            if error in (Polling.pending.value, Polling.slow_down.value):
                return Polling(error)
            if error == "access_denied":
                raise AuthorizationDenied(
                    "The seller refused the authorization at Allegro."
                ) from exc
            raise AuthorizationExpired(
                "The authorization code expired or is no longer valid "
                f"({description or error or 'HTTP 400'}); start the authorization again."
            ) from exc
        return _tokens(response)

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new token pair; the old refresh token stays usable for 60 s more (A.1)."""
        try:
            response = self.requester.request(
                "POST",
                "/auth/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            )
        except RequestRejected as exc:
            error, description = oauth_error(exc.body)
            if exc.status_code == 400 and error in ("invalid_grant", "invalid_request"):
                raise RefreshTokenRejected(
                    "Allegro no longer accepts the stored refresh token "
                    f"({description or error}); authorize the connection again."
                ) from exc
            raise
        return _tokens(response)
