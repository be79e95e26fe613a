"""INSERT of many rows in one executemany, converted by the dialect's own bind processors.

SQLAlchemy's ``connection.execute(insert(table), rows)`` builds and processes a parameter
dictionary per row through its generic machinery; for an import writing pages of a thousand
rows that is most of the Python time spent on the write. This compiles the statement once per
(table, columns, dialect) and applies the very same per-column bind processors in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

__all__ = ["insert_many"]

Converter = Callable[[Mapping[str, Any]], Any]


@lru_cache(maxsize=64)
def _prepared(table: Table, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, Converter]:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    names = list(compiled.positiontup or ()) if compiled.positional else list(keys)
    processors = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]

    def positional(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(p(row[name]) if p else row[name] for name, p in processors)

    def named(row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: p(row[name]) if p else row[name] for name, p in processors}

    return str(compiled), positional if compiled.positional else named


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dictionaries with the same keys) with a single executemany."""
    if rows:
        sql, convert = _prepared(table, tuple(rows[0]), connection.dialect)
        connection.exec_driver_sql(sql, [convert(row) for row in rows])
