"""The demo's Allegro account: a connection to the emulator mounted at /sandbox/allegro,
not yet authorized, so that a new user authorizes it and watches orders arrive."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ihub.config import Settings
from ihub.connections.demo import ensure_sandbox_connection
from ihub.connections.kinds import ALLEGRO
from ihub.connections.schemas import ConnectionCreate
from ihub.sandbox.allegro import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

NAME = "Allegro sandbox"


def seed_allegro_sandbox(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    base = f"{settings.public_url.rstrip('/')}/sandbox/allegro"
    data = ConnectionCreate(
        kind=ALLEGRO,
        name=NAME,
        settings={"client_id": DEMO_CLIENT_ID, "environment": "custom"},
        secrets={"client_secret": DEMO_CLIENT_SECRET},
    )
    ensure_sandbox_connection(
        session, tenant_id, data, {"auth_url": base, "api_url": f"{base}/api"}
    )
