"""What an Allegro connection needs; titles and descriptions become the UI form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = ["HOSTS", "AllegroSecrets", "AllegroSettings", "Endpoints", "endpoints"]

Environment = Literal["production", "sandbox", "custom"]


@dataclass(frozen=True)
class Endpoints:
    """``auth_url`` serves ``/auth/oauth/device`` and ``/auth/oauth/token``; ``api_url`` the API."""

    auth_url: str
    api_url: str


# OAuth lives only on allegro.pl, never on api.allegro.pl (reference A.0).
HOSTS: dict[str, Endpoints] = {
    "production": Endpoints("https://allegro.pl", "https://api.allegro.pl"),
    "sandbox": Endpoints(
        "https://allegro.pl.allegrosandbox.pl", "https://api.allegro.pl.allegrosandbox.pl"
    ),
}


class AllegroSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(
        title="Client ID",
        description="The Client ID of your device-flow application at apps.developer.allegro.pl.",
        min_length=1,
        max_length=200,
    )
    environment: Environment = Field(
        "production",
        title="Environment",
        description="production, sandbox (allegrosandbox.pl), or custom for an emulator.",
    )
    auth_url: str | None = Field(
        None,
        title="Authorization URL",
        description="custom only: the base where /auth/oauth/device and /auth/oauth/token live.",
        max_length=500,
    )
    api_url: str | None = Field(
        None,
        title="API URL",
        description="custom only: the base of the REST API (where /order/events lives).",
        max_length=500,
    )

    @field_validator("auth_url", "api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("the URL must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _custom_needs_urls(self) -> AllegroSettings:
        if self.environment == "custom" and not (self.auth_url and self.api_url):
            raise ValueError("the custom environment needs both auth_url and api_url")
        return self


class AllegroSecrets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_secret: SecretStr = Field(
        title="Client secret",
        description="The secret shown next to the Client ID when the application was registered.",
        min_length=1,
        max_length=500,
    )


def endpoints(settings: AllegroSettings) -> Endpoints:
    if settings.environment == "custom":
        assert settings.auth_url is not None
        assert settings.api_url is not None
        return Endpoints(settings.auth_url, settings.api_url)
    return HOSTS[settings.environment]
