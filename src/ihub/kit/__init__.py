"""Domain-agnostic plumbing: nothing in here imports an ihub domain."""
