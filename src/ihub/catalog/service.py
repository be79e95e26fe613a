"""Catalog reads for every entity and local products' CRUD. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ihub import audit
from ihub.audit.actor import Actor
from ihub.catalog.repository import (
    CatalogFilter,
    CounterpartyRepository,
    ImportedRepository,
    OrganizationRepository,
    ProductRepository,
    StockRepository,
    WarehouseRepository,
)
from ihub.catalog.schemas import ProductCreate, ProductRead, ProductUpdate, StockRead
from ihub.errors import Conflict, NotFound
from ihub.kit.pagination import PageParams
from ihub.models import Product, StockBalance
from ihub.production import cache as production_cache

REPOSITORIES: dict[str, type[ImportedRepository[Any]]] = {
    "organization": OrganizationRepository,
    "counterparty": CounterpartyRepository,
    "product": ProductRepository,
    "warehouse": WarehouseRepository,
}
_PRODUCT_FIELDS = ("name", "sku", "code", "full_name", "unit", "product_type", "deletion_mark")


def list_entities(
    session: Session, tenant_id: uuid.UUID, entity: str, filters: CatalogFilter, page: PageParams
) -> tuple[Sequence[Any], int]:
    repository = REPOSITORIES[entity](session, tenant_id)
    return repository.page(repository.search(filters), page)


def get_entity(session: Session, tenant_id: uuid.UUID, entity: str, entity_id: uuid.UUID) -> Any:
    found = REPOSITORIES[entity](session, tenant_id).get(entity_id)
    if found is None:
        raise NotFound(f"{entity.capitalize()} not found.")
    return found


def product_document(product: Product) -> ProductRead:
    return ProductRead.model_validate(
        {
            **{f: getattr(product, f) for f in ProductRead.model_fields if hasattr(product, f)},
            "source": "local" if product.connection_id is None else "imported",
        }
    )


def create_product(
    session: Session, tenant_id: uuid.UUID, actor: Actor, data: ProductCreate
) -> Product:
    product = Product(**data.model_dump(), deletion_mark=False, is_valid=True, problems=[])
    ProductRepository(session, tenant_id).add(product)
    audit.record(
        session, tenant_id, actor, "product.created", "product", product.id, data.model_dump()
    )
    return product


def _local(session: Session, tenant_id: uuid.UUID, product_id: uuid.UUID) -> Product:
    product: Product = get_entity(session, tenant_id, "product", product_id)
    if product.connection_id is not None:
        raise Conflict(
            "This product is imported from a connected system and is read-only here; "
            "change it there and import again."
        )
    return product


def update_product(
    session: Session, tenant_id: uuid.UUID, actor: Actor, product_id: uuid.UUID, data: ProductUpdate
) -> Product:
    product = _local(session, tenant_id, product_id)
    before = {f: getattr(product, f) for f in _PRODUCT_FIELDS}
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "deletion_mark"):
        if required in changes and changes[required] is None:
            del changes[required]  # these cannot be emptied; null means "leave as is"
    for field, value in changes.items():
        setattr(product, field, value)
    diff = audit.diff(before, {f: getattr(product, f) for f in _PRODUCT_FIELDS})
    if diff:
        audit.record(session, tenant_id, actor, "product.updated", "product", product.id, diff)
        production_cache.changed(session, tenant_id)  # batch lists and analytics show names
    return product


def delete_product(
    session: Session, tenant_id: uuid.UUID, actor: Actor, product_id: uuid.UUID
) -> None:
    product = _local(session, tenant_id, product_id)
    ProductRepository(session, tenant_id).delete(product)
    audit.record(
        session, tenant_id, actor, "product.deleted", "product", product_id, {"name": product.name}
    )


def list_stock(
    session: Session, tenant_id: uuid.UUID, filters: CatalogFilter, page: PageParams
) -> tuple[Sequence[StockBalance], int]:
    repository = StockRepository(session, tenant_id)
    return repository.page(repository.search(filters), page)


def get_stock(session: Session, tenant_id: uuid.UUID, stock_id: uuid.UUID) -> StockBalance:
    found = StockRepository(session, tenant_id).get_with_links(stock_id)
    if found is None:
        raise NotFound("Stock balance not found.")
    return found


def stock_document(row: StockBalance) -> StockRead:
    return StockRead.model_validate(
        {
            **{f: getattr(row, f) for f in StockRead.model_fields if hasattr(row, f)},
            "product_name": row.product.name if row.product else None,
            "product_sku": row.product.sku if row.product else None,
            "warehouse_name": row.warehouse.name if row.warehouse else None,
        }
    )
