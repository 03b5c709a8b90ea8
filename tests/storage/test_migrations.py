"""Alembic owns the schema: one linear history whose head matches the models, and
that downgrades and upgrades cleanly, on SQLite and PostgreSQL; several upgrades at once
on a fresh database (workers starting together) take turns, and each says what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from storage.db import Upgrade, alembic_config, sync_url, upgrade
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


UPGRADERS = 3


def test_several_upgrades_at_once_on_a_fresh_database_take_turns(
    empty_database: str, tmp_path: Path,
) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database, "POLICYBOT_DATA_DIR": str(tmp_path)}
    upgrading = [subprocess.Popen([sys.executable, "-m", "bot", "db", "upgrade"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(UPGRADERS)]
    results = [(p.communicate(timeout=120), p.returncode) for p in upgrading]
    assert [code for _, code in results] == [0] * UPGRADERS, results
    said = sorted(out.strip().split(":")[0] for (out, _), _ in results)
    assert said == ["Created the database"] + ["The database was already up to date (revision "
                                                f"{_head()})."] * (UPGRADERS - 1)
    assert [err for (_, err), _ in results] == [""] * UPGRADERS  # no Alembic chatter


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_an_upgrade_says_what_it_did() -> None:
    assert Upgrade(None, "0009", ("0001", "0009")).describe() == (
        "Created the database: applied 2 migrations, now at revision 0009.")
    assert Upgrade("0006", "0009", ("0007", "0009")).describe() == (
        "Upgraded the database from revision 0006 to 0009 (2 migrations).")
    assert Upgrade("0009", "0009", ()).describe() == (
        "The database was already up to date (revision 0009).")
