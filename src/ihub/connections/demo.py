"""Demo connections to the sandboxes the demo server mounts under ``/sandbox``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ihub.audit.actor import SYSTEM
from ihub.config import Settings
from ihub.connections import service
from ihub.connections.kinds import ONEC_ODATA
from ihub.connections.repository import ConnectionRepository
from ihub.connections.schemas import ConnectionCreate, ConnectionUpdate
from ihub.sandbox.onec_odata import SandboxConfig

ONEC_SANDBOX = "1C sandbox"


def ensure_sandbox_connection(
    session: Session, tenant_id: uuid.UUID, data: ConnectionCreate, addresses: dict[str, str]
) -> None:
    """Create the connection once; later starts only point its ``addresses`` at this server.

    The demo may be served on another port than last time, and a connection left pointing at
    the old one would fail its test for no reason a new user could see.
    """
    existing = ConnectionRepository(session, tenant_id).by_name(data.name)
    if existing is None:
        data = data.model_copy(update={"settings": {**data.settings, **addresses}})
        service.create_connection(session, tenant_id, SYSTEM, data)
    elif any(existing.settings.get(field) != value for field, value in addresses.items()):
        update = ConnectionUpdate(settings=addresses)
        service.update_connection(session, tenant_id, SYSTEM, existing.id, update)


def seed_onec_sandbox(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    sandbox = SandboxConfig()
    base_url = f"{settings.public_url.rstrip('/')}/sandbox/onec/{sandbox.publication}"
    data = ConnectionCreate(
        kind=ONEC_ODATA,
        name=ONEC_SANDBOX,
        settings={"username": sandbox.username},
        secrets={"password": sandbox.password},
    )
    ensure_sandbox_connection(session, tenant_id, data, {"base_url": base_url})
