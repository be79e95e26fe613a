"""Integration log: what every integration did, for operators."""
