"""Audit log: ``audit.record(...)`` in the caller's transaction."""

from ihub.audit.service import REDACTED, diff, record

__all__ = ["REDACTED", "diff", "record"]
