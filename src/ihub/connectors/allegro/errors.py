"""Allegro's own error shapes, and the failures only Allegro has.

The REST API answers ``{"errors": [{"code", "message", "path", "userMessage", …}]}``; the
OAuth endpoints and API 401s answer Spring-OAuth style ``{"error", "error_description"}``
(reference A.2, A.4).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ihub.kit.failures import Terminal

__all__ = [
    "AuthorizationDenied",
    "AuthorizationExpired",
    "RefreshTokenRejected",
    "describe",
    "oauth_error",
]


class AuthorizationDenied(Terminal):
    """The seller refused the device code."""


class AuthorizationExpired(Terminal):
    """The device code expired, was used already or is unknown: start a new authorization."""


class RefreshTokenRejected(Terminal):
    """Allegro no longer accepts the refresh token (spent, expired or revoked)."""


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def oauth_error(body_text: str | None) -> tuple[str | None, str | None]:
    """``(error, error_description)`` of an OAuth error body, or Nones."""
    body = _json(body_text)
    if not isinstance(body, dict):
        return None, None
    error, description = body.get("error"), body.get("error_description")
    return (
        error if isinstance(error, str) else None,
        description if isinstance(description, str) else None,
    )


def describe(response: httpx.Response) -> str | None:
    """Allegro's explanation of a failed response, in its own words."""
    body = _json(response.text)
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        parts = []
        for item in errors[:3]:
            if not isinstance(item, dict):
                continue
            text = item.get("userMessage") or item.get("message") or ""
            where = f" at {item['path']}" if item.get("path") else ""
            parts.append(f"{item.get('code', 'error')}{where}: {text}".rstrip(": "))
        return "; ".join(parts) or None
    error, description = oauth_error(response.text)
    if error:
        return f"{error}: {description}" if description else error
    return None
