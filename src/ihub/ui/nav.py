"""The navigation: later domains add their entries here (section, label key, path, role)."""

from __future__ import annotations

from dataclasses import dataclass

from ihub.models import Role


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    path: str
    role: Role = Role.viewer


NAV: list[NavItem] = [
    NavItem("nav.section.operate", "nav.dashboard", "/"),
    NavItem("nav.section.operate", "nav.orders", "/orders"),
    NavItem("nav.section.operate", "nav.imports", "/imports"),
    NavItem("nav.section.operate", "nav.runs", "/runs"),
    NavItem("nav.section.operate", "nav.logs", "/logs"),
    NavItem("nav.section.catalog", "nav.organizations", "/catalog/organizations"),
    NavItem("nav.section.catalog", "nav.counterparties", "/catalog/counterparties"),
    NavItem("nav.section.catalog", "nav.products", "/catalog/products"),
    NavItem("nav.section.catalog", "nav.warehouses", "/catalog/warehouses"),
    NavItem("nav.section.catalog", "nav.stock", "/catalog/stock"),
    NavItem("nav.section.production", "nav.production", "/production"),
    NavItem("nav.section.production", "nav.batches", "/batches"),
    NavItem("nav.section.production", "nav.work_centers", "/work-centers"),
    NavItem("nav.section.production", "nav.reports", "/reports"),
    NavItem("nav.section.production", "nav.batch_import", "/batch-import", Role.operator),
    NavItem("nav.section.settings", "nav.connections", "/connections"),
    NavItem("nav.section.settings", "nav.schedules", "/schedules"),
    NavItem("nav.section.settings", "nav.webhooks", "/webhooks"),
    NavItem("nav.section.settings", "nav.api_keys", "/api-keys", Role.admin),
    NavItem("nav.section.settings", "nav.audit", "/audit", Role.admin),
]


def sections(role: Role) -> list[tuple[str, list[NavItem]]]:
    grouped: dict[str, list[NavItem]] = {}
    for item in NAV:
        if role.allows(item.role):
            grouped.setdefault(item.section, []).append(item)
    return list(grouped.items())
