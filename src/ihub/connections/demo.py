"""Demo data: a ready connection to the 1C sandbox the demo server mounts."""

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


def seed_onec_sandbox(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    """Create the connection once; later starts only point it at this server's address."""
    sandbox = SandboxConfig()
    base_url = f"{settings.public_url.rstrip('/')}/sandbox/onec/{sandbox.publication}"
    existing = ConnectionRepository(session, tenant_id).by_name(ONEC_SANDBOX)
    if existing is None:
        data = ConnectionCreate(
            kind=ONEC_ODATA,
            name=ONEC_SANDBOX,
            settings={"base_url": base_url, "username": sandbox.username},
            secrets={"password": sandbox.password},
        )
        service.create_connection(session, tenant_id, SYSTEM, data)
    elif existing.settings.get("base_url") != base_url:
        update = ConnectionUpdate(settings={"base_url": base_url})
        service.update_connection(session, tenant_id, SYSTEM, existing.id, update)
