from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from ihub.config import Settings

README = Path(__file__).parents[1] / "README.md"
STRONG = "x" * 40


def test_readme_lists_every_setting() -> None:
    documented = set(re.findall(r"^\| `(IHUB_[A-Z0-9_]+)` \|", README.read_text(), re.MULTILINE))
    expected = {f"IHUB_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected


def test_development_defaults_need_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IHUB_DATABASE_URL", raising=False)
    monkeypatch.delenv("IHUB_BROKER_URL", raising=False)
    settings = Settings()
    assert settings.secure_cookies is False
    assert settings.sqlalchemy_url.endswith("ihub.sqlite")
    assert settings.embedded_broker


@pytest.mark.parametrize("secret", [None, "change-me", "short"])
def test_production_refuses_a_missing_or_placeholder_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="IHUB_SECRET_KEY"):
        Settings(env="production", secret_key=secret, public_url="https://ihub.example")


def test_production_refuses_plain_http_and_insecure_cookies() -> None:
    with pytest.raises(ValidationError, match="IHUB_PUBLIC_URL") as error:
        Settings(
            env="production",
            secret_key=STRONG,
            public_url="http://ihub.example",
            cookie_secure=False,
        )
    assert "IHUB_COOKIE_SECURE" in str(error.value)


def test_production_with_real_secrets_starts_with_secure_cookies() -> None:
    settings = Settings(env="production", secret_key=STRONG, public_url="https://ihub.example")
    assert settings.secure_cookies is True
