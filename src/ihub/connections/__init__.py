"""Connections: a tenant's configured links to external systems, of every kind."""
