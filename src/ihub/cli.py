"""The ``ihub`` command. Heavy imports happen inside commands, after flags set the environment."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import uuid
from typing import Any

import click
from pydantic import ValidationError


def _settings() -> Any:
    from ihub.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise click.ClickException(f"configuration: {messages}") from None


def _setup(migrate: bool = True) -> Any:
    """Settings, logging and (optionally) the schema at head; the start of every command."""
    settings = _settings()
    from ihub.logging import configure_logging

    configure_logging(settings)
    if migrate:
        _migrate()
    return settings


def _migrate() -> str:
    from ihub.db import get_database
    from ihub.migrate import MigrationError, upgrade

    try:
        return upgrade(get_database())
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from None


def _echo_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group()
@click.version_option(package_name="ihub")
def main() -> None:
    """ihub: a self-hosted integration hub. Configuration comes from IHUB_* variables."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run a Celery worker as a child process (off when workers run elsewhere).",
)
@click.option(
    "--scheduler/--no-scheduler",
    default=None,
    help="Run the scheduler as a child process [default: same as --worker].",
)
@click.option("--demo", is_flag=True, help="Mount the sandbox systems and seed demo data.")
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes sharing the port (about one per core); each serves requests alone.",
)
def serve(
    host: str, port: int, worker: bool, scheduler: bool | None, demo: bool, processes: int
) -> None:
    """Migrate, create the first tenant if there is none, then serve the API and UI."""
    if demo:
        os.environ["IHUB_DEMO"] = "true"
    settings = _setup()
    os.environ["IHUB_DATA_DIR"] = str(settings.data_dir)  # children share the same state

    import uvicorn

    from ihub.app import create_app
    from ihub.bootstrap import first_start, seed_demo
    from ihub.celery_app import celery_app
    from ihub.db import get_database

    url = (
        settings.public_url
        if "public_url" in settings.model_fields_set
        else f"http://{host}:{port}"
    )
    with get_database().scope() as session:
        created = first_start(session, settings.admin_email)
        if settings.demo:
            # Demo connections point at this very server, on the port it really listens on.
            seed_demo(session, settings.model_copy(update={"public_url": url}))
    if created is not None:
        _print_first_start(url, created.admin.email, created.admin_password, created.api_key)
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=3)
        connection.default_channel  # noqa: B018 - creates the embedded broker's tables once, here

    if processes > 1 and settings.rate_limit_storage_url.startswith("memory://"):
        click.echo(
            f"note: each of the {processes} API processes counts rate limits alone; "
            "set IHUB_RATE_LIMIT_STORAGE_URL=redis://… to share them",
            err=True,
        )
    children = []
    if worker:
        children.append(_spawn("worker"))
    if scheduler if scheduler is not None else worker:
        children.append(_spawn("scheduler"))
    # uvicorn handles SIGINT/SIGTERM itself, drains requests, then re-raises the signal into
    # the handler that was there before it; this one lets serve stop its children and exit 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    try:
        uvicorn.run(
            # Several processes each build the app from the factory; one builds it here.
            "ihub.cli:app_in_process" if processes > 1 else _long_lived(create_app(settings)),
            factory=processes > 1,
            workers=processes,
            host=host,
            port=port,
            log_config=None,
            timeout_graceful_shutdown=10,
            proxy_headers=True,
        )
    finally:
        _stop(children)


def app_in_process() -> Any:
    """The app of one of several `serve --processes` processes: each starts blank (spawned)."""
    from ihub.app import create_app

    return _long_lived(create_app(_setup(migrate=False)))


def _long_lived(app: Any) -> Any:
    """Hide what is loaded by now (modules, routes, mappers: alive as long as the server) from
    the garbage collector: its full collections walked all of it, and under 50 clients they
    were the slowest 1% of requests (bench/production.py: list p99 200-260 -> 70-100 ms)."""
    gc.freeze()
    return app


def _print_first_start(url: str, email: str, password: str, api_key: str) -> None:
    lines = [
        "ihub created its first tenant. These credentials are shown only now:",
        "",
        f"  Web UI    {url}",
        f"  Login     {email}",
        f"  Password  {password}",
        f"  API key   {api_key}",
        "",
        f'  curl -H "Authorization: Bearer {api_key}" {url}/api/v1/runs',
    ]
    width = max(len(line) for line in lines) + 4
    click.echo("+" + "-" * width + "+")
    for line in lines:
        click.echo("|  " + line.ljust(width - 2) + "|")
    click.echo("+" + "-" * width + "+", nl=True)


def _spawn(command: str) -> subprocess.Popen[bytes]:
    # A new session keeps Ctrl-C away from the children: serve stops them in order itself.
    return subprocess.Popen([sys.executable, "-m", "ihub", command], start_new_session=True)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # Celery's warm shutdown: finish current tasks
    for child in children:
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()


@main.command()
@click.option(
    "--concurrency", type=int, default=None, help="Parallel tasks [IHUB_WORKER_CONCURRENCY]."
)
@click.option(
    "--pool",
    type=click.Choice(["threads", "prefork", "solo"]),
    default="threads",
    show_default=True,
    help="Celery pool; threads suit I/O-bound integration work.",
)
def worker(concurrency: int | None, pool: str) -> None:
    """Run a Celery worker (any number, on any machine sharing the database and broker)."""
    settings = _setup(migrate=False)
    from ihub.celery_app import celery_app

    celery_app.worker_main(
        [
            "worker",
            "--queues",
            settings.queue,
            "--pool",
            pool,
            "--concurrency",
            str(concurrency or settings.worker_concurrency),
            "--loglevel",
            settings.log_level,
            "--hostname",
            f"ihub-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@main.command()
def scheduler() -> None:
    """Run the scheduler (exactly one per installation): it sends the tick and the sweep."""
    settings = _setup(migrate=False)
    from ihub.celery_app import celery_app

    celery_app.start(["beat", "--loglevel", settings.log_level])


@main.command()
def migrate() -> None:
    """Apply database migrations up to the single head."""
    _setup(migrate=False)
    click.echo(f"database at revision {_migrate()}")


@main.group()
def tenant() -> None:
    """Manage tenants."""


@tenant.command("create")
@click.option("--name", required=True, help="Display name of the tenant.")
@click.option("--admin-email", default=None, help="E-mail of its first admin [generated].")
@click.option("--timezone", default="Europe/Moscow", show_default=True, help="IANA timezone.")
def tenant_create(name: str, admin_email: str | None, timezone: str) -> None:
    """Create a tenant with an admin user and an admin API key; prints them as JSON once."""
    _setup()
    from ihub.bootstrap import create_tenant
    from ihub.db import get_database
    from ihub.tenants.schemas import TenantUpdate

    TenantUpdate(timezone=timezone)  # validates the timezone before anything is written
    email = admin_email or f"admin-{uuid.uuid4().hex[:8]}@example.com"
    with get_database().scope() as session:
        created = create_tenant(session, name=name, admin_email=email, timezone=timezone)
    _echo_json(
        {
            "tenant_id": str(created.tenant.id),
            "api_key": created.api_key,
            "admin_email": created.admin.email,
            "admin_password": created.admin_password,
        }
    )


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.option("--tenant-id", required=True, type=click.UUID)
@click.option("--email", required=True)
@click.option(
    "--role",
    type=click.Choice(["viewer", "operator", "admin"]),
    default="viewer",
    show_default=True,
)
@click.option("--password", default=None, help="At least 10 characters [generated].")
def user_create(tenant_id: uuid.UUID, email: str, role: str, password: str | None) -> None:
    """Add a user to a tenant; prints the generated password once."""
    _setup()
    from ihub.audit.actor import SYSTEM
    from ihub.db import get_database
    from ihub.errors import IhubError
    from ihub.tenants import service
    from ihub.tenants.passwords import generate_password
    from ihub.tenants.schemas import UserCreate

    secret = password or generate_password()
    try:
        data = UserCreate(email=email, role=role, password=secret)
        with get_database().scope() as session:
            service.get_tenant(session, tenant_id)
            created = service.create_user(session, tenant_id, SYSTEM, data)
    except (IhubError, ValidationError) as exc:
        raise click.ClickException(_reason(exc)) from None
    _echo_json(
        {
            "user_id": str(created.id),
            "email": created.email,
            "role": role,
            "password": None if password else secret,
        }
    )


@main.group()
def apikey() -> None:
    """Manage API keys."""


@apikey.command("create")
@click.option("--tenant-id", required=True, type=click.UUID)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice(["viewer", "operator", "admin"]),
    default="viewer",
    show_default=True,
)
def apikey_create(tenant_id: uuid.UUID, name: str, role: str) -> None:
    """Create an API key; the key is printed once."""
    _setup()
    from ihub.audit.actor import SYSTEM
    from ihub.db import get_database
    from ihub.errors import IhubError
    from ihub.tenants import service
    from ihub.tenants.schemas import ApiKeyCreate

    try:
        with get_database().scope() as session:
            service.get_tenant(session, tenant_id)
            key, api_key = service.create_api_key(
                session,
                tenant_id,
                SYSTEM,
                ApiKeyCreate(name=name, role=role),
            )
    except IhubError as exc:
        raise click.ClickException(_reason(exc)) from None
    _echo_json({"api_key_id": str(api_key.id), "api_key": key, "role": role})


@apikey.command("revoke")
@click.argument("api_key_id", type=click.UUID)
def apikey_revoke(api_key_id: uuid.UUID) -> None:
    """Revoke an API key by its id, whatever its tenant."""
    _setup()
    from ihub.audit.actor import SYSTEM
    from ihub.db import get_database
    from ihub.tenants import service
    from ihub.tenants.repository import CredentialLookup

    with get_database().scope() as session:
        found = CredentialLookup(session).api_key(api_key_id)
        if found is None:
            raise click.ClickException(f"no API key {api_key_id}")
        revoked = service.revoke_api_key(session, found.tenant_id, SYSTEM, api_key_id)
    _echo_json(
        {
            "api_key_id": str(revoked.id),
            "revoked_at": revoked.revoked_at.isoformat() if revoked.revoked_at else None,
        }
    )


@main.group()
def sandbox() -> None:
    """Run an emulated external system on its own (trials, tests, benchmarks)."""


@sandbox.command("onec")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--publication", default="ut11", show_default=True, help="/<publication>/odata/…")
@click.option("--username", default="Администратор", show_default=True)
@click.option("--password", default="пароль", show_default=True)
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same data.")
@click.option("--organizations", default=8, show_default=True, type=int)
@click.option("--counterparties", default=500, show_default=True, type=int)
@click.option("--products", default=3000, show_default=True, type=int)
@click.option("--warehouses", default=5, show_default=True, type=int)
@click.option("--generation", default=1, show_default=True, type=int, help="Raise to edit rows.")
@click.option("--latency-ms", default=0, show_default=True, type=int, help="Per request.")
@click.option("--error-rate", default=0.0, show_default=True, type=float, help="500/503 share.")
@click.option("--hang-every", default=0, show_default=True, type=int, help="Every n-th hangs.")
@click.option("--hang-seconds", default=0.0, show_default=True, type=float)
@click.option("--unauthorized-after-pages", default=None, type=int, help="Then 401 for all.")
def sandbox_onec(host: str, port: int, **options: Any) -> None:
    """1C:UT 11's standard OData interface with generated data and fault injection."""
    import uvicorn

    from ihub.sandbox.onec_odata import Faults, SandboxConfig, create_app

    fault_names = set(Faults.model_fields)
    faults = {k: v for k, v in options.items() if k in fault_names}
    try:
        config = SandboxConfig.model_validate(
            {**{k: v for k, v in options.items() if k not in fault_names}, "faults": faults}
        )
    except ValidationError as exc:
        raise click.ClickException(_reason(exc)) from None
    click.echo(
        f"1C OData sandbox: http://{host}:{port}/{config.publication}/odata/standard.odata/ "
        f"(login «{config.username}», password «{config.password}»)"
    )
    uvicorn.run(create_app(config), host=host, port=port, log_config=None)


@sandbox.command("allegro")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8002, show_default=True, type=int)
@click.option("--client-id", default="ihub-demo", show_default=True)
@click.option("--client-secret", default="ihub-demo-secret", show_default=True)
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same orders.")
@click.option("--initial-orders", default=40, show_default=True, type=int, help="At start-up.")
@click.option("--orders-per-minute", default=1.0, show_default=True, type=float, help="0: none.")
@click.option("--poll-interval", default=5, show_default=True, type=int, help="Device flow, s.")
@click.option("--rate-limit-per-minute", default=9000, show_default=True, type=int)
@click.option("--latency-ms", default=0, show_default=True, type=int, help="Per request.")
def sandbox_allegro(
    host: str, port: int, client_id: str, client_secret: str, **options: Any
) -> None:
    """Allegro's OAuth device flow and order API, with a seller whose orders keep coming."""
    import uvicorn

    from ihub.sandbox.allegro import EmulatorConfig, create_app

    latency = options.pop("latency_ms")
    try:
        config = EmulatorConfig.model_validate(
            {**options, "clients": {client_id: client_secret}, "faults": {"latency_ms": latency}}
        )
    except ValidationError as exc:
        raise click.ClickException(_reason(exc)) from None
    base = f"http://{host}:{port}"
    click.echo(
        f"Allegro sandbox: auth_url {base}, api_url {base}/api, seller page {base}/ "
        f"(client id «{client_id}», secret «{client_secret}»)"
    )
    uvicorn.run(create_app(config), host=host, port=port, log_config=None)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        from ihub.errors import validation_summary

        return validation_summary(exc)
    return getattr(exc, "message", str(exc))
