"""The one place tenant scoping happens.

Every query on a tenant-owned table starts from ``TenantRepository.select()``, which already
filters on the tenant. An id of another tenant therefore behaves exactly like a missing id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ihub.kit.pagination import PageParams, paginate
from ihub.models.base import TenantMixin

__all__ = ["TenantRepository"]


M = TypeVar("M", bound=TenantMixin)


class TenantRepository(Generic[M]):
    model: ClassVar[type[Any]]

    def __init__(self, session: Session, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def owned(self) -> ColumnElement[bool]:
        """The tenant condition, for aggregates and joins that do not start from ``select()``."""
        return self.model.tenant_id == self.tenant_id  # type: ignore[no-any-return]

    def select(self, *where: ColumnElement[bool]) -> Select[M]:
        return select(self.model).where(self.owned(), *where)

    def aggregate(self, *columns: Any) -> Select[Any]:
        """Columns or aggregates over the tenant's rows, e.g. ``aggregate(func.count())``."""
        return select(*columns).where(self.owned())

    def get(self, id: Any, *options: Any) -> M | None:
        stmt = self.select(self.model.id == id)
        if options:
            stmt = stmt.options(*options)
        return self.session.scalars(stmt).one_or_none()

    def list(self, stmt: Select[M]) -> Sequence[M]:
        return self.session.scalars(stmt).all()

    def page(self, stmt: Select[M], params: PageParams) -> tuple[Sequence[M], int]:
        return paginate(self.session, stmt, params)

    def add(self, obj: M) -> M:
        obj.tenant_id = self.tenant_id
        self.session.add(obj)
        self.session.flush()
        return obj

    def delete(self, obj: M) -> None:
        if obj.tenant_id != self.tenant_id:
            raise PermissionError("object belongs to another tenant")
        self.session.delete(obj)
        self.session.flush()

    def delete_where(self, *where: ColumnElement[bool], limit: int | None = None) -> int:
        """Bulk delete this tenant's rows matching ``where``, at most ``limit`` of them."""
        ids = select(self.model.id).where(self.model.tenant_id == self.tenant_id, *where)
        if limit is not None:
            ids = ids.limit(limit)
        result = self.session.execute(
            delete(self.model)
            .where(self.model.id.in_(ids.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
