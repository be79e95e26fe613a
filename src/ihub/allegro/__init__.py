"""Allegro in ihub: authorizing a seller account (device flow) and syncing its orders."""
