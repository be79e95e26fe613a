"""Demo data for ``ihub serve --demo``: every seeder is idempotent and runs on each demo start."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from ihub.allegro.demo import seed_allegro_sandbox
from ihub.config import Settings
from ihub.connections.demo import seed_onec_sandbox
from ihub.production import demo as production

# Each feature that has something to show adds a seeder: (session, tenant_id, settings).
SEEDERS: list[Callable[[Session, uuid.UUID, Settings], None]] = [
    seed_onec_sandbox,
    seed_allegro_sandbox,
    production.seed,
]


def seed(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    for seeder in SEEDERS:
        seeder(session, tenant_id, settings)
