"""The emulated OAuth server: device codes, rotating refresh tokens, access-token checks
(reference A.1, A.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ihub.sandbox.allegro.config import EmulatorConfig

SCOPE = "allegro:api:orders:read allegro:api:profile:read"


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error_description": description, "error": error}


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    expires_at: datetime
    interval: int
    state: str = "pending"  # approved, denied, used
    last_poll: datetime | None = None


@dataclass
class Grant:
    client_id: str
    expires_at: datetime
    spent_at: datetime | None = None
    revoked: bool = False


@dataclass
class Counters:
    token_grants: int = 0
    refreshes: int = 0
    refused_refreshes: int = 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Authority:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self._key = secrets.token_bytes(32)
        self.devices: dict[str, DeviceGrant] = {}
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self.counters = Counters()

    def client_ok(self, client_id: str | None, secret: str | None) -> bool:
        known = self.config.clients.get(client_id or "")
        return known is not None and secret is not None and hmac.compare_digest(known, secret)

    def _jwt(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def start(self, client_id: str, now: datetime) -> DeviceGrant:
        with self.lock:
            grant = DeviceGrant(
                device_code=secrets.token_urlsafe(24),
                user_code="".join(secrets.choice(string.ascii_lowercase) for _ in range(8)),
                client_id=client_id,
                expires_at=now + timedelta(seconds=self.config.device_code_ttl),
                interval=self.config.poll_interval,
            )
            self.devices[grant.device_code] = grant
            return grant

    def by_user_code(self, user_code: str) -> DeviceGrant | None:
        code = user_code.replace(" ", "").replace("-", "").lower()
        with self.lock:
            return next((g for g in self.devices.values() if g.user_code == code), None)

    def decide(self, user_code: str, approve: bool, now: datetime) -> DeviceGrant | None:
        grant = self.by_user_code(user_code)
        if grant is None or grant.state != "pending" or grant.expires_at < now:
            return None
        grant.state = "approved" if approve else "denied"
        return grant

    def poll(self, client_id: str, device_code: str, now: datetime) -> dict[str, Any]:
        with self.lock:
            grant = self.devices.get(device_code)
            if grant is None or grant.client_id != client_id or grant.state == "used":
                raise OAuthError(400, "invalid_request", "Invalid device code")
            if grant.expires_at < now:
                raise OAuthError(400, "expired_token", "Device code expired")
            if grant.state == "denied":
                raise OAuthError(400, "access_denied", "User denied access")
            too_soon = grant.last_poll and (now - grant.last_poll).total_seconds() < grant.interval
            grant.last_poll = now
            if too_soon:
                raise OAuthError(400, "slow_down", "Polling too fast")
            if grant.state == "pending":
                raise OAuthError(
                    400, "authorization_pending", "User has not authorized the device code yet."
                )
            grant.state = "used"  # a device code gives tokens once
            return self._issue(client_id, now)

    def refresh_grant(self, client_id: str, token: str, now: datetime) -> dict[str, Any]:
        """Rotate: a new pair; the spent refresh token works for a grace period more (A.1)."""
        with self.lock:
            grant = self.refresh.get(token)
            grace = timedelta(seconds=self.config.refresh_grace_seconds)
            usable = (
                grant is not None
                and grant.client_id == client_id
                and not grant.revoked
                and grant.expires_at > now
                and (grant.spent_at is None or now - grant.spent_at <= grace)
            )
            if not usable or grant is None:
                self.counters.refused_refreshes += 1
                raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {token[:12]}…")
            grant.spent_at = grant.spent_at or now
            self.counters.refreshes += 1
            return self._issue(client_id, now)

    def _issue(self, client_id: str, now: datetime) -> dict[str, Any]:
        ttl = self.config.access_token_ttl
        claims = {
            "user_name": self.config.seller_id,
            "scope": SCOPE.split(),
            "client_id": client_id,
            "allegro_api": True,
            "exp": int(now.timestamp()) + ttl,
        }
        jti = str(uuid.uuid4())
        access = self._jwt({**claims, "jti": jti})
        refresh = self._jwt({**claims, "jti": str(uuid.uuid4()), "ati": access[-12:]})
        self.access[access] = Grant(client_id, now + timedelta(seconds=ttl))
        self.refresh[refresh] = Grant(
            client_id, now + timedelta(seconds=self.config.refresh_token_ttl)
        )
        self.counters.token_grants += 1
        return {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": ttl,
            "scope": SCOPE,
            "allegro_api": True,
            "jti": jti,
        }

    def check(self, token: str | None, now: datetime) -> str:
        """The client id a bearer token belongs to; the 401 bodies of A.2 otherwise."""
        if not token:
            raise OAuthError(
                401, "unauthorized", "Full authentication is required to access this resource"
            )
        with self.lock:
            grant = self.access.get(token)
        if grant is None:
            raise OAuthError(401, "invalid_token", "Cannot convert access token to JSON")
        if grant.revoked:
            raise OAuthError(401, "invalid_token", "Invalid access token")
        if grant.expires_at <= now:
            raise OAuthError(401, "invalid_token", "Access token expired")
        return grant.client_id

    def revoke_all(self) -> None:
        """What a password change or a sales block does to a seller's tokens (A.1)."""
        with self.lock:
            for grant in [*self.access.values(), *self.refresh.values()]:
                grant.revoked = True
