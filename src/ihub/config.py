"""Settings from the environment (``IHUB_*``), with safe defaults for a laptop.

Every field here is listed in the README's configuration table; keep the two in step
(``tests/test_config.py`` checks it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ihub.kit.crypto import SecretBox, load_master_key

# Values that appear in examples and must never protect a production instance.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "ihub", "password"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IHUB_", env_file=".env", extra="ignore")

    # --- runtime mode and local state ---
    env: Literal["development", "production"] = Field(
        "development", description="`production` refuses unsafe defaults."
    )
    data_dir: Path = Field(
        Path("var"), description="Folder for SQLite files, embedded broker, secret key, files."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL users reach ihub at (links, redirects)."
    )
    demo: bool = Field(False, description="Mount the sandbox systems and seed demo connections.")

    # --- storage and jobs ---
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite `<data_dir>/ihub.sqlite`."
    )
    broker_url: str | None = Field(
        None,
        description="Celery broker; default embedded `sqla+sqlite:///<data_dir>/broker.sqlite`.",
    )
    queue: str = Field("ihub", description="Celery queue name (separate instances on one broker).")
    worker_concurrency: int = Field(4, ge=1, description="Threads per worker process.")
    tick_seconds: float = Field(
        10.0, gt=0, description="How often the scheduler looks for due work."
    )
    run_stale_after_seconds: int = Field(
        120, ge=10, description="A running run without heartbeat this long is resumed elsewhere."
    )
    run_max_attempts: int = Field(5, ge=1, description="Attempts before an interrupted run fails.")

    # --- file storage ---
    file_storage: Literal["local", "s3"] = Field(
        "local", description="Where report and import files live: a local folder or S3."
    )
    files_dir: Path | None = Field(
        None, description="Folder of the local file storage; default `<data_dir>/files`."
    )
    s3_bucket: str | None = Field(None, description="Bucket of the S3 file storage.")
    s3_prefix: str = Field("", description="Key prefix inside the bucket (one bucket, many uses).")
    s3_endpoint_url: str | None = Field(
        None, description="S3-compatible endpoint (MinIO etc.); default AWS."
    )
    s3_region: str | None = Field(None, description="S3 region; default from the AWS config.")
    s3_access_key_id: str | None = Field(
        None, description="S3 access key; default the AWS credential chain."
    )
    s3_secret_access_key: SecretStr | None = Field(None, description="S3 secret key.")
    download_link_seconds: int = Field(
        3600, ge=60, description="How long a signed download link stays valid."
    )
    file_retention_days: int = Field(
        7, ge=1, description="Report files and uploaded imports are deleted after this."
    )

    # --- security ---
    secret_key: SecretStr | None = Field(
        None,
        description="Master key for secrets at rest; default a generated `<data_dir>/secret.key`.",
    )
    cookie_secure: bool | None = Field(
        None, description="Send the session cookie over HTTPS only; default on in production."
    )
    session_hours: int = Field(12, ge=1, description="UI session lifetime.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (JSON list).",
    )
    api_rate_limit: str = Field("1200/minute", description="Requests per API key or session.")
    auth_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a process reuses a resolved API key and a tenant's time zone; "
        "other processes see a revoke or a new zone within this time (0: read them on every "
        "request).",
    )
    login_rate_limit: str = Field("10/minute", description="Login attempts per IP and e-mail.")
    rate_limit_storage_url: str = Field(
        "memory://",
        description="`limits` storage for the API's limits and the outbound per-account limits; "
        "use `redis://…` with several processes.",
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest request body.")
    request_timeout_seconds: float = Field(
        30.0, gt=0, description="Time allowed until a response starts."
    )
    metrics_public: bool = Field(False, description="Serve `/metrics` without credentials.")

    # --- outbound webhooks ---
    webhooks_timeout_seconds: float = Field(
        15.0, gt=0, le=120, description="A delivery must get its 2xx within this time."
    )
    webhooks_retry_schedule: list[float] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0],
        description="Seconds before each retry after the first attempt (JSON list).",
    )
    webhooks_retry_jitter: float = Field(
        0.2, ge=0, le=1, description="Each retry delay varies randomly by up to this fraction."
    )
    webhooks_disable_after_days: float = Field(
        5.0, gt=0, description="An endpoint failing without a success this long is disabled."
    )
    webhooks_endpoint_concurrency: int = Field(
        16, ge=1, le=256, description="Deliveries in flight to one endpoint at a time."
    )
    webhooks_max_payload_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest webhook body `emit` accepts."
    )
    webhooks_rotation_hours: float = Field(
        24.0, ge=0, description="After a secret rotation the old secret also signs this long."
    )
    webhooks_allow_private_networks: bool = Field(
        False,
        description="Deliver to loopback, private and link-local addresses too (local setups).",
    )
    webhooks_retention_days: int = Field(
        30, ge=1, description="Webhook messages and attempts retention."
    )

    # --- bootstrap and retention ---
    admin_email: str = Field("admin@example.com", description="First admin created on first start.")
    logs_retention_days: int = Field(90, ge=1, description="Integration log retention.")
    audit_retention_days: int = Field(365, ge=1, description="Audit log retention.")
    orders_retention_days: int = Field(
        730, ge=1, description="Orders bought longer ago than this are deleted."
    )
    order_events_retention_days: int = Field(
        90, ge=1, description="Raw marketplace order events kept for audit."
    )

    # --- Allegro ---
    allegro_rate_limit: str = Field(
        "100/second",
        description="Requests per Allegro Client ID from all workers (Allegro allows 9000/min).",
    )
    allegro_sync_cron: str = Field(
        "*/5 * * * *", description="Order sync schedule given to each authorized Allegro account."
    )
    log_level: str = Field("INFO", description="Process log level.")
    log_format: Literal["json", "console"] = Field("json", description="Process log format.")

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        return self

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.file_storage == "s3" and not self.s3_bucket:
            raise ValueError("IHUB_FILE_STORAGE=s3 needs IHUB_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env != "production":
            return self
        problems = []
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 32:
            problems.append("IHUB_SECRET_KEY must be set to a random value of 32+ characters")
        if self.cookie_secure is False:
            problems.append("IHUB_COOKIE_SECURE=false is not allowed in production")
        if not self.public_url.startswith("https://"):
            problems.append("IHUB_PUBLIC_URL must be an https:// URL in production")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ihub.sqlite'}"

    @property
    def files_path(self) -> Path:
        return (self.files_dir or self.data_dir / "files").expanduser().resolve()

    @property
    def celery_broker_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{self.data_dir / 'broker.sqlite'}"

    @property
    def embedded_broker(self) -> bool:
        return self.celery_broker_url.startswith("sqla+")

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" if self.cookie_secure is None else self.cookie_secure


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


@lru_cache
def get_secret_box() -> SecretBox:
    """The key for secrets at rest and signed links: ``IHUB_SECRET_KEY`` or ``secret.key``."""
    settings = get_settings()
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return SecretBox(load_master_key(configured, settings.data_dir))
