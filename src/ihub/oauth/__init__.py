"""OAuth tokens of connections: sealed at rest, refreshed by one process at a time."""
