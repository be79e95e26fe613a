"""Production: work centers, batches and their status machine, analytics, reports, import."""
