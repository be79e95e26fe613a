"""INSERT of many rows at once, converted by the dialect's own bind processors.

SQLAlchemy's ``connection.execute(insert(table), rows)`` builds and processes a parameter
dictionary per row through its generic machinery; for an import writing pages of a thousand
rows that is most of the Python time spent on the write. This applies the very same
per-column bind processors column by column, then hands the rows over in one go: ``COPY`` on
PostgreSQL (one statement instead of a thousand executions on the server), one executemany
elsewhere. A page repeats the same objects in every row (its connection, tenant, timestamps),
so a value that is the very object of the row above reuses that one's conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, Connection, Dialect, Table, any_, bindparam, insert
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["insert_many", "one_of"]

Processor = Callable[[Any], Any] | None
_NOTHING = object()


@lru_cache(maxsize=64)
def _prepared(
    table: Table, keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, Sequence[tuple[str, Processor]]]:
    """The statement and, in its parameter order, each column's bind processor."""
    if dialect.driver == "psycopg":
        quote = dialect.identifier_preparer.quote
        names = list(keys)
        sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        names = list(compiled.positiontup or ()) if compiled.positional else list(keys)
        sql = str(compiled)
    processors = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    return sql, processors


def _converted(process: Processor, values: list[Any]) -> list[Any]:
    if process is None:
        return values
    converted, last, result = [], _NOTHING, None
    for value in values:
        # Identity, not equality: equal values can convert differently (1 and True in
        # JSON, one instant in two time zones).
        if value is not last:
            last, result = value, process(value)
        converted.append(result)
    return converted


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dictionaries with the same keys) in one statement."""
    if not rows:
        return
    dialect = connection.dialect
    sql, processors = _prepared(table, tuple(rows[0]), dialect)
    columns = [_converted(process, [row[name] for row in rows]) for name, process in processors]
    if dialect.driver == "psycopg":
        driver_connection: Any = connection.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for values in zip(*columns, strict=True):
                copy.write_row(values)
        return
    parameters: list[Any] = list(zip(*columns, strict=True))
    if not dialect.positional:
        names = [name for name, _ in processors]
        parameters = [dict(zip(names, values, strict=True)) for values in parameters]
    connection.exec_driver_sql(sql, parameters)


def one_of(
    column: ColumnElement[Any], values: Sequence[Any], dialect: Dialect
) -> ColumnElement[bool]:
    """``column IN (values)`` for a page of keys.

    On PostgreSQL the keys travel as one array parameter (``= ANY(:keys)``): a thousand
    separate parameters would be rendered, parsed and planned anew for every page.
    """
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
