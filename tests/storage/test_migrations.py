"""Alembic owns the schema: one linear history whose head matches the models, and
that downgrades and upgrades cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from storage.db import alembic_config, sync_url, upgrade
from storage.schema import load_metadata
from tests.support import databases


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = databases.postgres_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    url = databases.create_postgres_schema(base, "migrations", migrate=False)
    yield url
    databases.drop_postgres_schema(base, url)


def test_the_history_is_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = list(script.walk_revisions())
    assert len(script.get_heads()) == 1
    assert all(not isinstance(r.down_revision, tuple | list) for r in revisions)
    files = list((Path(script.dir) / "versions").glob("[0-9]*.py"))
    assert len(revisions) == len(files)


def test_upgrade_matches_the_models_and_downgrade_undoes_it(empty_database: str) -> None:
    upgrade(empty_database)
    engine = create_engine(sync_url(empty_database))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), load_metadata())
        tables = set(inspect(connection).get_table_names())
    assert differences == []
    assert {t.name for t in load_metadata().sorted_tables} <= tables
    command.downgrade(alembic_config(empty_database), "base")
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    upgrade(empty_database)
    engine.dispose()
