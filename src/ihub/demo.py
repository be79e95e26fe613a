"""Demo data for ``ihub serve --demo``: every seeder is idempotent and runs on each demo start."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from ihub.config import Settings
from ihub.connections.demo import seed_onec_sandbox

# Each feature that has something to show adds a seeder: (session, tenant_id, settings).
SEEDERS: list[Callable[[Session, uuid.UUID, Settings], None]] = [seed_onec_sandbox]


def seed(session: Session, tenant_id: uuid.UUID, settings: Settings) -> None:
    for seeder in SEEDERS:
        seeder(session, tenant_id, settings)
