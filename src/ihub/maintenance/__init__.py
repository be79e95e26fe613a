"""Housekeeping run kinds (retention)."""
