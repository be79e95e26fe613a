"""Endpoint secrets (``whsec_…``, encrypted at rest) and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks import Webhook

from ihub.config import get_secret_box

__all__ = ["new_secret", "seal", "signature_header", "unseal"]

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _owner(endpoint_id: uuid.UUID) -> str:
    # Bound to its row: a ciphertext copied onto another endpoint does not decrypt.
    return f"webhook_endpoint:{endpoint_id}"


def seal(endpoint_id: uuid.UUID, secret: str) -> str:
    return get_secret_box().encrypt(secret, _owner(endpoint_id))


def unseal(endpoint_id: uuid.UUID, sealed: str) -> str:
    return get_secret_box().decrypt(sealed, _owner(endpoint_id))


def signature_header(secrets: Iterable[str], msg_id: str, at: datetime, body: str) -> str:
    """``v1,<base64>`` per secret, space separated: during a rotation both verify."""
    return " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)
