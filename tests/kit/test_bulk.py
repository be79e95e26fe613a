from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, select

from ihub.db import Database
from ihub.kit.bulk import insert_many
from ihub.kit.db_types import JSONType, UTCDateTime

metadata = MetaData()
probe = Table(
    "bulk_probe",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("owner", Uuid),
    Column("at", UTCDateTime),
    Column("document", JSONType),
    Column("label", String(20)),
)


@pytest.fixture
def probe_table(database: Database) -> Iterator[Table]:
    metadata.create_all(database.engine)
    yield probe
    metadata.drop_all(database.engine)


def test_every_row_keeps_its_own_values_where_neighbours_repeat_or_only_look_equal(
    database: Database, probe_table: Table
) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    noon = datetime(2026, 12, 1, 12, tzinfo=UTC)
    # Equal but not alike: the same instant in another zone, 1 and True, fresh equal lists.
    documents: list[Any] = [[], [], 1, True, 2.5, {"a": [1]}, {"a": [1]}, None, None, "x"]
    ats = [noon, noon, noon.astimezone(timezone(timedelta(hours=3))), noon, None, None,
           noon + timedelta(seconds=1), noon, noon, noon]  # fmt: skip
    rows = [
        {
            "position": position,
            "owner": owner if position % 3 else other,
            "at": ats[position],
            "document": documents[position],
            "label": None if position == 4 else f"row {position}",
        }
        for position in range(10)
    ]
    with database.engine.begin() as connection:
        insert_many(connection, probe_table, rows)
        stored = connection.execute(select(probe_table).order_by(probe_table.c.position)).all()
    assert [row._asdict() for row in stored] == rows
    assert [type(row.document) for row in stored] == [type(d) for d in documents]


def test_nothing_to_insert_is_no_statement(database: Database, probe_table: Table) -> None:
    with database.engine.begin() as connection:
        insert_many(connection, probe_table, [])
        assert connection.execute(select(probe_table)).all() == []
