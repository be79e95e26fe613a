"""Knobs of the Allegro emulator: accounts, token lifetimes, limits, the order generator and
the fault switches tests and benchmarks turn on."""

from __future__ import annotations

from pydantic import BaseModel, Field

DEMO_CLIENT_ID = "ihub-demo"
DEMO_CLIENT_SECRET = "ihub-demo-secret"  # a sandbox credential, public on purpose


class FailRule(BaseModel):
    """Answer ``times`` requests whose path starts with ``path`` with ``status``, after
    letting ``skip`` of them through."""

    path: str
    status: int = Field(ge=400, le=599)
    times: int = Field(1, ge=1)
    skip: int = Field(0, ge=0)
    retry_after: float | None = None


class Faults(BaseModel):
    latency_ms: int = Field(0, ge=0, description="Added to every request.")
    duplicate_events: bool = Field(
        False, description="Every event is journaled twice (new id, same type/time/form)."
    )
    out_of_order: bool = Field(
        False, description="The events of one action are journaled newest first."
    )
    list_lag_seconds: float = Field(
        0, ge=0, description="The checkout-form listing shows forms as they were this long ago."
    )
    fail: list[FailRule] = Field(default_factory=list)


class EmulatorConfig(BaseModel):
    clients: dict[str, str] = Field(default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    seller_id: str = "111578766"
    seller_login: str = "ihub-demo-seller"
    device_code_ttl: int = Field(3600, ge=1)
    poll_interval: int = Field(5, ge=0)
    access_token_ttl: int = Field(43199, ge=1)
    refresh_token_ttl: int = Field(90 * 24 * 3600, ge=1)
    refresh_grace_seconds: float = Field(60, ge=0, description="A spent refresh token still works.")
    rate_limit_per_minute: int = Field(9000, ge=1, description="Per Client ID (reference A.3).")
    block_seconds: float = Field(60, ge=0)
    retry_after_header: bool = Field(False, description="Allegro sends none on 429.")
    journal_retention_days: int = 60
    seed: int = 7
    initial_orders: int = Field(0, ge=0, description="History created at start-up.")
    initial_days: int = Field(14, ge=1, description="The history spans this many past days.")
    orders_per_minute: float = Field(0, ge=0, description="New orders over time; 0 is off.")
    faults: Faults = Field(default_factory=Faults)


# The demo's seller: a fortnight of orders to begin with, and about one more a minute.
DEMO = EmulatorConfig(initial_orders=40, orders_per_minute=1)
