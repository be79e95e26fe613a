"""Secrets at rest (AES-256-GCM), token hashing and HMAC signing.

The master key comes from ``IHUB_SECRET_KEY`` or a generated ``<data_dir>/secret.key`` (0600).
Purpose-specific keys are derived with HKDF so one leaked derived key exposes one purpose only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SecretBox", "hash_token", "load_master_key", "new_token"]

_VERSION = b"v1"


def load_master_key(configured: str | None, data_dir: Path) -> bytes:
    """Return the 32-byte master key, creating ``secret.key`` on first use when none is set."""
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return base64.urlsafe_b64decode(path.read_text().strip())


class SecretBox:
    """Encrypts small secrets; the associated data binds a ciphertext to its owner row."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self._aead = AESGCM(self.derive(b"ihub secrets at rest"))

    def derive(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            self._master
        )

    def encrypt(self, plaintext: str, associated: str = "") -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), associated.encode())
        return (_VERSION + b":" + base64.urlsafe_b64encode(nonce + sealed)).decode()

    def decrypt(self, token: str, associated: str = "") -> str:
        version, _, body = token.encode().partition(b":")
        if version != _VERSION:
            raise ValueError("unknown secret format")
        raw = base64.urlsafe_b64decode(body)
        return self._aead.decrypt(raw[:12], raw[12:], associated.encode()).decode()

    def sign(self, purpose: bytes, message: str) -> str:
        digest = hmac.new(self.derive(purpose), message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def verify(self, purpose: bytes, message: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(purpose, message), signature)


def new_token(prefix: str, nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """High-entropy tokens need no slow hash: SHA-256 is enough and keeps lookups indexed."""
    return hashlib.sha256(token.encode()).hexdigest()
