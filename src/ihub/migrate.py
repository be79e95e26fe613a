"""Apply Alembic migrations, refusing an ambiguous history."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ihub.db import Database

__all__ = ["MigrationError", "alembic_config", "upgrade"]


class MigrationError(RuntimeError):
    pass


def _script_location() -> Path:
    packaged = Path(__file__).parent / "_migrations"  # a wheel carries them here
    return packaged if packaged.exists() else Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(script_location: Path | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location or _script_location()))
    return config


def upgrade(database: Database, config: Config | None = None) -> str:
    """Bring the schema to the single head and return that revision."""
    config = config or alembic_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) != 1:
        raise MigrationError(
            f"the migration history has {len(heads)} heads ({', '.join(sorted(heads))}); "
            "merge them with `alembic merge heads` before migrating"
        )
    with database.engine.connect() as connection:
        if database.is_sqlite:
            # Batch migrations copy tables; enforced foreign keys would cascade on the drop.
            # The pragma only works outside a transaction, hence the raw DBAPI connection.
            _sqlite_pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        finally:
            if database.is_sqlite:
                _sqlite_pragma(connection, "foreign_keys=ON")
    return heads[0]


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute(f"PRAGMA {pragma}")
