"""Alembic environment: the URL comes from ihub's settings unless the caller passes a connection."""

from alembic import context
from sqlalchemy import Connection

import ihub.models
from ihub.config import get_settings
from ihub.db import Database

target_metadata = ihub.models.Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().sqlalchemy_url
    database = Database(url)
    with database.engine.connect() as conn:
        _run(conn)
    database.dispose()
