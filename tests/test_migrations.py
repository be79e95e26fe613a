from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ihub.db import Database
from ihub.migrate import MigrationError, _script_location, alembic_config, upgrade
from ihub.models import Base


def test_models_and_migrations_describe_the_same_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "run `alembic revision --autogenerate` and review the result"


def test_upgrade_is_idempotent(database: Database) -> None:
    assert upgrade(database) == upgrade(database)


def test_several_heads_are_refused_with_a_clear_message(tmp_path: Path, database: Database) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(_script_location(), scripts)
    revision = ScriptDirectory.from_config(alembic_config(scripts)).get_current_head()
    (scripts / "versions" / "a.py").write_text(
        f'revision = "aaaa"\ndown_revision = "{revision}"\ndef upgrade(): pass\n'
    )
    (scripts / "versions" / "b.py").write_text(
        f'revision = "bbbb"\ndown_revision = "{revision}"\ndef upgrade(): pass\n'
    )
    with pytest.raises(MigrationError, match=r"has 2 heads \(aaaa, bbbb\).*alembic merge heads"):
        upgrade(database, alembic_config(scripts))
