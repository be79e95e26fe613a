"""Browsable catalog tables: organizations, counterparties, products, warehouses, stock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ihub.catalog import service
from ihub.catalog.repository import CatalogFilter
from ihub.db import SessionDep
from ihub.kit.pagination import PageParams, page_count
from ihub.kit.params import OptionalBool, OptionalUUID
from ihub.ui.web import UiViewer, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    label: str  # a label key
    value: Callable[[Any], Any]
    css: str = ""


def _problems(row: Any) -> str:
    return "; ".join(f"{p['field']}: {p['reason']}" for p in row.problems or [])


def _yes(flag: bool) -> str:
    return "✓" if flag else ""


PARTY_COLUMNS = [
    Column("common.name", lambda r: r.name),
    Column("catalog.inn", lambda r: r.inn, "mono"),
    Column("catalog.kpp", lambda r: r.kpp, "mono"),
    Column("catalog.ogrn", lambda r: r.ogrn, "mono"),
    Column("catalog.full_name", lambda r: r.full_name or "", "small"),
    Column("catalog.legal_form", lambda r: r.legal_form, "small"),
    Column("catalog.deletion_mark", lambda r: _yes(r.deletion_mark)),
    Column("catalog.problems", _problems, "problem"),
]
TABLES: dict[str, tuple[str, list[Column], bool]] = {
    # entity -> (title key, columns, has the valid filter)
    "organization": ("catalog.organizations", PARTY_COLUMNS, True),
    "counterparty": ("catalog.counterparties", PARTY_COLUMNS, True),
    "product": (
        "catalog.products",
        [
            Column("catalog.code", lambda r: r.code or "", "mono"),
            Column("catalog.sku", lambda r: r.sku or "", "mono"),
            Column("common.name", lambda r: r.name),
            Column("catalog.unit", lambda r: r.unit or ""),
            Column("catalog.product_type", lambda r: r.product_type or ""),
            Column("catalog.source", lambda r: "1C" if r.connection_id else "ihub"),
            Column("catalog.deletion_mark", lambda r: _yes(r.deletion_mark)),
            Column("catalog.problems", _problems, "problem"),
        ],
        True,
    ),
    "warehouse": (
        "catalog.warehouses",
        [
            Column("common.name", lambda r: r.name),
            Column("catalog.warehouse_type", lambda r: r.warehouse_type or ""),
            Column("catalog.deletion_mark", lambda r: _yes(r.deletion_mark)),
        ],
        False,
    ),
}
STOCK_COLUMNS = [
    Column("catalog.product", lambda r: r.product.name if r.product else r.product_external_id),
    Column("catalog.sku", lambda r: r.product.sku if r.product and r.product.sku else "", "mono"),
    Column(
        "catalog.warehouse", lambda r: r.warehouse.name if r.warehouse else r.warehouse_external_id
    ),
    Column("catalog.quantity", lambda r: f"{r.quantity:g}", "num"),
    Column("catalog.reserved", lambda r: f"{r.reserved:g}", "num"),
    Column("catalog.synced", lambda r: r.synced_at.strftime("%Y-%m-%d %H:%M"), "nowrap small"),
]
PATHS = {
    "organization": "organizations",
    "counterparty": "counterparties",
    "product": "products",
    "warehouse": "warehouses",
}


def _table(
    request: Request,
    principal: Any,
    *,
    title: str,
    path: str,
    columns: list[Column],
    rows: Any,
    total: int,
    page: int,
    query: dict[str, Any],
    filters: list[str],
    warehouses: Any = (),
) -> HTMLResponse:
    return render(
        request,
        "catalog/table.html",
        principal,
        title=title,
        path=path,
        columns=columns,
        rows=[(row, [(c.css, c.value(row)) for c in columns]) for row in rows],
        total=total,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        query=query,
        filters=filters,
        warehouses=warehouses,
    )


def _register(entity: str) -> None:
    title, columns, with_valid = TABLES[entity]
    path = f"/catalog/{PATHS[entity]}"

    def page(
        request: Request,
        principal: UiViewer,
        session: SessionDep,
        q: Annotated[str | None, Query(max_length=200)] = None,
        valid: Annotated[OptionalBool, Query()] = None,
        deletion_mark: Annotated[OptionalBool, Query()] = None,
        page: Annotated[int, Query(ge=1)] = 1,
    ) -> HTMLResponse:
        filters = CatalogFilter(q=q or None, valid=valid, deletion_mark=deletion_mark)
        params = PageParams(page=page, page_size=PAGE_SIZE)
        rows, total = service.list_entities(session, principal.tenant_id, entity, filters, params)
        query = {"q": q or "", "valid": _flag(valid), "deletion_mark": _flag(deletion_mark)}
        return _table(
            request,
            principal,
            title=title,
            path=path,
            columns=columns,
            rows=rows,
            total=total,
            page=page,
            query=query,
            filters=["q", "deletion_mark", *(["valid"] if with_valid else [])],
        )

    router.add_api_route(path, page, methods=["GET"], name=f"catalog_{PATHS[entity]}")


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


for _entity in TABLES:
    _register(_entity)


@router.get("/catalog/stock")
def stock_page(
    request: Request,
    principal: UiViewer,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    warehouse_id: Annotated[OptionalUUID, Query()] = None,
    in_stock: Annotated[OptionalBool, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    filters = CatalogFilter(q=q or None, warehouse_id=warehouse_id, in_stock=in_stock)
    params = PageParams(page=page, page_size=PAGE_SIZE)
    rows, total = service.list_stock(session, principal.tenant_id, filters, params)
    warehouses, _ = service.list_entities(
        session,
        principal.tenant_id,
        "warehouse",
        CatalogFilter(),
        PageParams(page=1, page_size=500),
    )
    query = {"q": q or "", "warehouse_id": str(warehouse_id or ""), "in_stock": _flag(in_stock)}
    return _table(
        request,
        principal,
        title="catalog.stock",
        path="/catalog/stock",
        columns=STOCK_COLUMNS,
        rows=rows,
        total=total,
        page=page,
        query=query,
        filters=["q", "warehouse_id", "in_stock"],
        warehouses=warehouses,
    )
