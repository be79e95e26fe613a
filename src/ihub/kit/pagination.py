"""Page parameters and the page envelope every list endpoint returns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

__all__ = ["Page", "PageParams", "PageQuery", "paginate"]

T = TypeVar("T")


class PageParams(BaseModel):
    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_count(total: int, page_size: int) -> int:
    """Pages needed for ``total`` rows; an empty list still shows its one (empty) page."""
    return max(1, -(-total // page_size))


# Dependencies that do no I/O are async: FastAPI would run a plain ``def`` in a worker thread,
# a hop that costs more than the work (the filters of the list endpoints do the same).
async def _page_params(
    page: Annotated[int, Query(ge=1, description="1-based page number.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


PageQuery = Annotated[PageParams, Depends(_page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, items: Iterable[T], total: int, params: PageParams) -> Page[T]:
        return cls(items=list(items), total=total, page=params.page, page_size=params.page_size)


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> tuple[Sequence[Any], int]:
    """Run ``stmt`` for one page and count all its rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(params.page_size).offset(params.offset)).all()
    return rows, total
