"""ihub: a self-hosted integration hub."""
