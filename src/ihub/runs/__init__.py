"""Runs: the one model for every kind of long work (imports, syncs, reports, maintenance)."""
