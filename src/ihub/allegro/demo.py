"""The demo's Allegro account: a connection to the emulator mounted at /sandbox/allegro,
not yet authorized, so that a new user authorizes it and watches orders arrive."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ihub.audit.actor import SYSTEM
from ihub.config import Settings
from ihub.connections import service as connections
from ihub.connections.kinds import ALLEGRO
from ihub.connections.repository import ConnectionRepository
from ihub.connections.schemas import ConnectionCreate
from ihub.sandbox.allegro import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

NAME = "Allegro sandbox"


def seed_allegro_sandbox(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    if ConnectionRepository(session, tenant_id).by_name(NAME) is not None:
        return
    base = f"{settings.public_url.rstrip('/')}/sandbox/allegro"
    connections.create_connection(
        session,
        tenant_id,
        SYSTEM,
        ConnectionCreate(
            kind=ALLEGRO,
            name=NAME,
            settings={
                "client_id": DEMO_CLIENT_ID,
                "environment": "custom",
                "auth_url": base,
                "api_url": f"{base}/api",
            },
            secrets={"client_secret": DEMO_CLIENT_SECRET},
        ),
    )
