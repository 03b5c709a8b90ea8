"""Real databases for tests: a fresh SQLite file per test (copied from one migrated
template) and the real PostgreSQL server from TEST_DATABASE_URL (one migrated
schema per test worker, emptied between tests)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import sync_url, upgrade
from storage.schema import load_metadata

PG_ENV = "TEST_DATABASE_URL"
PG_SKIP_REASON = f"{PG_ENV} is not set: PostgreSQL tests need a real server (see README)"


def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def sqlite_template(directory: Path) -> Path:
    template = directory / "template.db"
    if not template.exists():
        upgrade(f"sqlite:///{template}")
    return template


def fresh_sqlite(template: Path, directory: Path) -> str:
    target = directory / f"test-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def postgres_schema_url(base: str, schema: str) -> str:
    """The server URL with every connection's search_path set to ``schema``."""
    url = make_url(base)
    query = dict(url.query)
    query["options"] = f"-csearch_path={schema}"
    return url.set(query=query).render_as_string(hide_password=False)


def create_postgres_schema(base: str, worker: str, *, migrate: bool = True) -> str:
    schema = f"pbtest_{worker}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(sync_url(base))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = postgres_schema_url(base, schema)
    if migrate:
        upgrade(url)
    return url


def drop_postgres_schema(base: str, url: str) -> None:
    schema = make_url(url).query["options"].removeprefix("-csearch_path=")  # type: ignore[union-attr]
    engine = create_engine(sync_url(base))
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def empty_postgres(url: str) -> None:
    """Empty every table the migrations made (keeping Alembic's version table)."""
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        present = set(connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
        tables = [t.name for t in load_metadata().sorted_tables if t.name in present]
        if tables:
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
