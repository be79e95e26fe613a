"""Every ORM model, imported here so that Alembic and the mapper see the whole schema."""

from ihub.models.api_key import ApiKey
from ihub.models.audit_log import AuditLog
from ihub.models.base import Base, RecordModel, TenantMixin
from ihub.models.connection import Connection, ConnectionStatus
from ihub.models.counterparty import Counterparty
from ihub.models.integration_log import IntegrationLog
from ihub.models.organization import Organization
from ihub.models.product import Product
from ihub.models.role import Role
from ihub.models.run import ACTIVE_STATUSES, Run, RunError, RunStatus, RunStep, StepStatus
from ihub.models.schedule import Schedule
from ihub.models.stock import StockBalance
from ihub.models.tenant import Tenant
from ihub.models.user import User
from ihub.models.user_session import UserSession
from ihub.models.warehouse import Warehouse

__all__ = [
    "ACTIVE_STATUSES",
    "ApiKey",
    "AuditLog",
    "Base",
    "Connection",
    "ConnectionStatus",
    "Counterparty",
    "IntegrationLog",
    "Organization",
    "Product",
    "RecordModel",
    "Role",
    "Run",
    "RunError",
    "RunStatus",
    "RunStep",
    "Schedule",
    "StockBalance",
    "StepStatus",
    "Tenant",
    "TenantMixin",
    "User",
    "UserSession",
    "Warehouse",
]
