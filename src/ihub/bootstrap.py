"""What a new tenant starts with: an admin, an API key and the housekeeping schedule."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ihub import demo
from ihub.audit.actor import SYSTEM
from ihub.config import Settings
from ihub.schedules import service as schedules
from ihub.schedules.schemas import ScheduleCreate
from ihub.tenants import service as tenants
from ihub.tenants.repository import CredentialLookup

NIGHTLY_CLEANUP = ScheduleCreate(
    name="Nightly retention cleanup", kind="maintenance.cleanup", cron="30 3 * * *"
)


def create_tenant(
    session: Session, *, name: str, admin_email: str, timezone: str
) -> tenants.NewTenant:
    created = tenants.create_tenant(session, name=name, admin_email=admin_email, timezone=timezone)
    schedules.create_schedule(session, created.tenant, SYSTEM, NIGHTLY_CLEANUP)
    return created


def first_start(session: Session, admin_email: str) -> tenants.NewTenant | None:
    """Create the first tenant when the database has none; None when it already has one."""
    if CredentialLookup(session).any_tenant():
        return None
    return create_tenant(session, name="Default", admin_email=admin_email, timezone="Europe/Moscow")


def seed_demo(session: Session, settings: Settings) -> None:
    """Give every tenant the demo data (sandbox connections and the like); idempotent."""
    for tenant_id in CredentialLookup(session).tenant_ids():
        demo.seed(session, tenant_id, settings)
