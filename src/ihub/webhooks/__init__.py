"""Outbound webhooks: ``emit(session, tenant_id, type, data)`` in the caller's transaction."""

from ihub.webhooks.events import emit

__all__ = ["emit"]
