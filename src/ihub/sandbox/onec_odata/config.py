"""What the 1C sandbox serves and how it misbehaves; every field has a CLI flag."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Faults(BaseModel):
    """Fault injection; changeable at run time through ``PATCH /_sandbox/faults``."""

    latency_ms: int = Field(0, ge=0, description="Added to every data request.")
    error_rate: float = Field(
        0.0, ge=0, le=1, description="Share of data requests answered 500 or 503."
    )
    hang_every: int = Field(0, ge=0, description="Every n-th data request hangs (0 = never).")
    hang_seconds: float = Field(0.0, ge=0, description="How long a hanging request sleeps.")
    unauthorized_after_pages: int | None = Field(
        None, ge=0, description="After this many data pages every request gets 401."
    )


class SandboxConfig(BaseModel):
    publication: str = Field("ut11", description="Publication name: /<publication>/odata/…")
    username: str = Field("Администратор", description="Basic-auth login (UTF-8).")
    password: str = Field("пароль", description="Basic-auth password (UTF-8).")
    seed: int = Field(1, description="Same seed, same data.")
    organizations: int = Field(8, ge=0, le=10_000)
    counterparties: int = Field(500, ge=0, le=10_000_000)
    products: int = Field(3_000, ge=0, le=10_000_000)
    warehouses: int = Field(5, ge=0, le=1_000)
    generation: int = Field(
        1, ge=1, description="Raise it to edit a deterministic tenth of the rows per step."
    )
    published: list[str] | None = Field(
        None, description="Entity sets in the OData composition; all when None."
    )
    missing_fields: list[str] = Field(
        default_factory=list,
        description="Attributes this base lacks, as 'Catalog_Контрагенты.ОГРН'.",
    )
    faults: Faults = Field(default_factory=Faults)
