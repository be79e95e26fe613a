"""Marketplace orders: stored from syncs, searched, summed and exported."""
