"""Every ORM model, imported here so that Alembic and the mapper see the whole schema."""

from ihub.models.api_key import ApiKey
from ihub.models.audit_log import AuditLog
from ihub.models.base import Base, RecordModel, TenantMixin
from ihub.models.batch import Batch, BatchStatus, BatchStatusChange
from ihub.models.connection import Connection, ConnectionStatus
from ihub.models.counterparty import Counterparty
from ihub.models.integration_log import IntegrationLog
from ihub.models.oauth_token import OAuthToken
from ihub.models.order import Order
from ihub.models.order_event import OrderEvent
from ihub.models.organization import Organization
from ihub.models.product import Product
from ihub.models.production_version import ProductionVersion
from ihub.models.report import Report, ReportFormat, ReportKind
from ihub.models.role import Role
from ihub.models.run import ACTIVE_STATUSES, Run, RunError, RunStatus, RunStep, StepStatus
from ihub.models.schedule import Schedule
from ihub.models.stock import StockBalance
from ihub.models.stored_file import StoredFile
from ihub.models.sync_cursor import SyncCursor
from ihub.models.tenant import Tenant
from ihub.models.user import User
from ihub.models.user_session import UserSession
from ihub.models.warehouse import Warehouse
from ihub.models.webhook_attempt import WebhookAttempt
from ihub.models.webhook_endpoint import WebhookEndpoint
from ihub.models.webhook_event import WebhookEvent
from ihub.models.webhook_message import MessageStatus, WebhookMessage
from ihub.models.work_center import WorkCenter

__all__ = [
    "ACTIVE_STATUSES",
    "ApiKey",
    "AuditLog",
    "Base",
    "Batch",
    "BatchStatus",
    "BatchStatusChange",
    "Connection",
    "ConnectionStatus",
    "Counterparty",
    "IntegrationLog",
    "MessageStatus",
    "OAuthToken",
    "Order",
    "OrderEvent",
    "Organization",
    "Product",
    "ProductionVersion",
    "RecordModel",
    "Report",
    "ReportFormat",
    "ReportKind",
    "Role",
    "Run",
    "RunError",
    "RunStatus",
    "RunStep",
    "Schedule",
    "StepStatus",
    "StockBalance",
    "StoredFile",
    "SyncCursor",
    "Tenant",
    "TenantMixin",
    "User",
    "UserSession",
    "Warehouse",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookMessage",
    "WorkCenter",
]
