"""Catalog API: organizations, counterparties, products, warehouses and stock."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from ihub.catalog import service
from ihub.catalog.repository import CatalogFilter
from ihub.catalog.schemas import (
    CounterpartyRead,
    OrganizationRead,
    ProductCreate,
    ProductRead,
    ProductUpdate,
    StockRead,
    WarehouseRead,
)
from ihub.db import SessionDep
from ihub.kit.pagination import Page, PageQuery
from ihub.kit.params import OptionalBool, OptionalUUID
from ihub.tenants.auth import Operator, Viewer

router = APIRouter(tags=["catalog"])
LegalForm = Literal["legal_entity", "entrepreneur", "individual", "foreign_entity", "unknown"]


async def common_filter(
    q: Annotated[str | None, Query(max_length=200, description="Text to look for.")] = None,
    connection_id: Annotated[OptionalUUID, Query(description="Only this connection's.")] = None,
    deletion_mark: Annotated[OptionalBool, Query(description="The ERP's deletion mark.")] = None,
) -> CatalogFilter:
    return CatalogFilter(q=q or None, connection_id=connection_id, deletion_mark=deletion_mark)


CommonFilter = Annotated[CatalogFilter, Depends(common_filter)]
Valid = Annotated[OptionalBool, Query(description="false: only rows that failed validation.")]


async def party_filter(
    common: CommonFilter,
    valid: Valid = None,
    inn: Annotated[str | None, Query(max_length=32, description="Exact INN.")] = None,
    legal_form: Annotated[LegalForm | None, Query()] = None,
) -> CatalogFilter:
    return replace(common, valid=valid, inn=inn or None, legal_form=legal_form)


async def product_filter(
    common: CommonFilter,
    valid: Valid = None,
    source: Annotated[
        Literal["local", "imported"] | None, Query(description="Created in ihub or imported.")
    ] = None,
    product_type: Annotated[str | None, Query(max_length=50, description="E.g. Товар.")] = None,
) -> CatalogFilter:
    return replace(common, valid=valid, source=source, product_type=product_type or None)


async def stock_filter(
    q: Annotated[str | None, Query(max_length=200, description="Product name or SKU.")] = None,
    connection_id: Annotated[OptionalUUID, Query()] = None,
    product_id: Annotated[OptionalUUID, Query()] = None,
    warehouse_id: Annotated[OptionalUUID, Query()] = None,
    in_stock: Annotated[OptionalBool, Query(description="true: quantity above zero.")] = None,
) -> CatalogFilter:
    return CatalogFilter(
        q=q or None,
        connection_id=connection_id,
        product_id=product_id,
        warehouse_id=warehouse_id,
        in_stock=in_stock,
    )


PartyFilter = Annotated[CatalogFilter, Depends(party_filter)]
ProductFilter = Annotated[CatalogFilter, Depends(product_filter)]
StockFilter = Annotated[CatalogFilter, Depends(stock_filter)]


@router.get("/organizations", response_model=Page[OrganizationRead])
def list_organizations(
    principal: Viewer, session: SessionDep, page: PageQuery, filters: PartyFilter
) -> Page[object]:
    """The company's own organisations, by name; ``valid=false`` lists those with problems."""
    rows, total = service.list_entities(session, principal.tenant_id, "organization", filters, page)
    return Page.of((OrganizationRead.model_validate(r) for r in rows), total, page)


@router.get("/organizations/{organization_id}", response_model=OrganizationRead)
def get_organization(
    principal: Viewer, session: SessionDep, organization_id: uuid.UUID
) -> OrganizationRead:
    """One organisation, with the problems validation found."""
    found = service.get_entity(session, principal.tenant_id, "organization", organization_id)
    return OrganizationRead.model_validate(found)


@router.get("/counterparties", response_model=Page[CounterpartyRead])
def list_counterparties(
    principal: Viewer, session: SessionDep, page: PageQuery, filters: PartyFilter
) -> Page[object]:
    """Customers' and suppliers' legal entities, by name."""
    rows, total = service.list_entities(session, principal.tenant_id, "counterparty", filters, page)
    return Page.of((CounterpartyRead.model_validate(r) for r in rows), total, page)


@router.get("/counterparties/{counterparty_id}", response_model=CounterpartyRead)
def get_counterparty(
    principal: Viewer, session: SessionDep, counterparty_id: uuid.UUID
) -> CounterpartyRead:
    """One counterparty, with the problems validation found."""
    found = service.get_entity(session, principal.tenant_id, "counterparty", counterparty_id)
    return CounterpartyRead.model_validate(found)


@router.get("/products", response_model=Page[ProductRead])
def list_products(
    principal: Viewer, session: SessionDep, page: PageQuery, filters: ProductFilter
) -> Page[object]:
    """Products, imported and local, by name; search looks in name, SKU and code."""
    rows, total = service.list_entities(session, principal.tenant_id, "product", filters, page)
    return Page.of((service.product_document(r) for r in rows), total, page)


@router.post("/products", response_model=ProductRead, status_code=201)
def create_product(principal: Operator, session: SessionDep, body: ProductCreate) -> ProductRead:
    """Create a local product (for a company without a connected ERP)."""
    product = service.create_product(session, principal.tenant_id, principal.actor, body)
    return service.product_document(product)


@router.get("/products/{product_id}", response_model=ProductRead)
def get_product(principal: Viewer, session: SessionDep, product_id: uuid.UUID) -> ProductRead:
    """One product."""
    found = service.get_entity(session, principal.tenant_id, "product", product_id)
    return service.product_document(found)


@router.patch("/products/{product_id}", response_model=ProductRead)
def update_product(
    principal: Operator, session: SessionDep, product_id: uuid.UUID, body: ProductUpdate
) -> ProductRead:
    """Change a local product; imported products are read-only (409)."""
    product = service.update_product(
        session, principal.tenant_id, principal.actor, product_id, body
    )
    return service.product_document(product)


@router.delete("/products/{product_id}", status_code=204)
def delete_product(principal: Operator, session: SessionDep, product_id: uuid.UUID) -> Response:
    """Delete a local product; imported products are read-only (409)."""
    service.delete_product(session, principal.tenant_id, principal.actor, product_id)
    return Response(status_code=204)


@router.get("/warehouses", response_model=Page[WarehouseRead])
def list_warehouses(
    principal: Viewer, session: SessionDep, page: PageQuery, filters: CommonFilter
) -> Page[object]:
    """Warehouses and shops, by name."""
    rows, total = service.list_entities(session, principal.tenant_id, "warehouse", filters, page)
    return Page.of((WarehouseRead.model_validate(r) for r in rows), total, page)


@router.get("/warehouses/{warehouse_id}", response_model=WarehouseRead)
def get_warehouse(principal: Viewer, session: SessionDep, warehouse_id: uuid.UUID) -> WarehouseRead:
    """One warehouse."""
    found = service.get_entity(session, principal.tenant_id, "warehouse", warehouse_id)
    return WarehouseRead.model_validate(found)


@router.get("/stock", response_model=Page[StockRead])
def list_stock(
    principal: Viewer, session: SessionDep, page: PageQuery, filters: StockFilter
) -> Page[object]:
    """Balances per product and warehouse, as of each connection's last import."""
    rows, total = service.list_stock(session, principal.tenant_id, filters, page)
    return Page.of((service.stock_document(r) for r in rows), total, page)


@router.get("/stock/{stock_id}", response_model=StockRead)
def get_stock(principal: Viewer, session: SessionDep, stock_id: uuid.UUID) -> StockRead:
    """One balance."""
    return service.stock_document(service.get_stock(session, principal.tenant_id, stock_id))
