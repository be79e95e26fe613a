"""The catalog: organizations, counterparties, products, warehouses and stock."""
