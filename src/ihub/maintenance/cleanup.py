"""``maintenance.cleanup``: apply retention to a tenant's logs, orders, webhooks, sessions and
files, in small batches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement

from ihub.audit.repository import AuditRepository
from ihub.config import get_settings
from ihub.files import service as files
from ihub.kit.clock import utcnow
from ihub.kit.repository import TenantRepository
from ihub.logs.repository import IntegrationLogRepository
from ihub.models import AuditLog, IntegrationLog, Order, OrderEvent, UserSession, WebhookEvent
from ihub.orders.repository import OrderEventRepository, OrderRepository
from ihub.runs.context import RunContext
from ihub.runs.registry import run_kind
from ihub.tenants.repository import UserSessionRepository
from ihub.webhooks.repository import EventRepository

BATCH = 5000  # small deletes keep SQLite's write lock short
FILES_BATCH = 100  # each file is also a call to the file storage


class CleanupParams(BaseModel):
    logs_days: int | None = Field(None, ge=1, description="Default IHUB_LOGS_RETENTION_DAYS.")
    audit_days: int | None = Field(None, ge=1, description="Default IHUB_AUDIT_RETENTION_DAYS.")
    orders_days: int | None = Field(None, ge=1, description="Default IHUB_ORDERS_RETENTION_DAYS.")
    order_events_days: int | None = Field(
        None, ge=1, description="Default IHUB_ORDER_EVENTS_RETENTION_DAYS."
    )
    webhooks_days: int | None = Field(
        None, ge=1, description="Default IHUB_WEBHOOKS_RETENTION_DAYS."
    )


@run_kind("maintenance.cleanup", title="Retention cleanup", params=CleanupParams)
def cleanup(ctx: RunContext, params: CleanupParams) -> None:
    settings = get_settings()
    now = utcnow()

    def days_ago(days: int | None, default: int) -> datetime:
        return now - timedelta(days=days or default)

    targets: list[tuple[str, TenantRepository[Any], ColumnElement[bool]]] = [
        (
            "integration logs",
            IntegrationLogRepository(ctx.session, ctx.tenant_id),
            IntegrationLog.created_at < days_ago(params.logs_days, settings.logs_retention_days),
        ),
        (
            "audit log",
            AuditRepository(ctx.session, ctx.tenant_id),
            AuditLog.created_at < days_ago(params.audit_days, settings.audit_retention_days),
        ),
        (
            "orders",
            OrderRepository(ctx.session, ctx.tenant_id),
            Order.bought_at < days_ago(params.orders_days, settings.orders_retention_days),
        ),
        (
            "order events",
            OrderEventRepository(ctx.session, ctx.tenant_id),
            OrderEvent.occurred_at
            < days_ago(params.order_events_days, settings.order_events_retention_days),
        ),
        (
            # An event's messages and their attempts go with it (ON DELETE CASCADE).
            "webhook messages",
            EventRepository(ctx.session, ctx.tenant_id),
            WebhookEvent.created_at
            < days_ago(params.webhooks_days, settings.webhooks_retention_days),
        ),
        (
            "sessions",
            UserSessionRepository(ctx.session, ctx.tenant_id),
            UserSession.expires_at <= now,
        ),
    ]
    ctx.declare_steps(*(name for name, _, _ in targets), "expired files")
    for name, repository, condition in targets:
        step = ctx.step(name)
        while True:
            deleted = repository.delete_where(condition, limit=BATCH)
            step.add(processed=deleted)
            ctx.save()
            if deleted < BATCH:
                break
        step.complete()
    step = ctx.step("expired files")  # reports and uploads past IHUB_FILE_RETENTION_DAYS
    while (deleted := files.delete_expired(ctx.session, ctx.tenant_id, now, FILES_BATCH)) > 0:
        step.add(processed=deleted)
        ctx.save()
    step.complete()
    ctx.save()
