"""What a 1C:UT 11 OData connection needs; titles and descriptions become the UI form."""

from __future__ import annotations

from limits import parse
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class OneCSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(
        title="Base URL",
        description="The publication address, e.g. https://erp.example.com/ut11 "
        "(ihub adds /odata/standard.odata when it is missing).",
        min_length=8,
        max_length=500,
        examples=["https://erp.example.com/ut11"],
    )
    username: str = Field(
        title="Login",
        description="A 1C user allowed to read the published objects; Cyrillic logins work.",
        min_length=1,
        max_length=200,
        examples=["Администратор"],
    )
    timeout_seconds: float = Field(
        60,
        ge=1,
        le=600,
        title="Timeout, s",
        description="How long to wait for one answer; stock balances get three times as long.",
    )
    page_size: int = Field(
        500,
        ge=10,
        le=5000,
        title="Page size",
        description="Rows per request ($top); hundreds suit a busy base.",
    )
    rate_limit: str | None = Field(
        None,
        title="Rate limit",
        description="At most this many requests to this base, e.g. '10/second'; empty for none.",
        max_length=50,
    )

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("the base URL must start with http:// or https://")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _limit(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as '10/second'") from None
        return value.strip()


class OneCSecrets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: SecretStr = Field(
        title="Password",
        description="The 1C user's password (may be empty when the user has none).",
        max_length=200,
    )
