"""Backup and restore as the README gives them, for real: a report is stored; the
database is backed up (PostgreSQL: ``pg_dump --format=custom``, restored with
``pg_restore`` into a new database; SQLite: the backup API, what ``.backup`` does)
and the copy opened by a new app: with the key, the Chair reads the report; without it,
start-up refuses the copy (a backup is unreadable without its key)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import App, build_app
from bot.settings import Settings
from storage.crypto import Cipher, CipherError
from storage.db import sync_url
from tests.conftest import ConsoleDriver
from tests.reports.conftest import report

TYPED = "A parent shared a screenshot of the class group chat on Facebook"
# The README's SQLite backup, for a machine without the sqlite3 shell (the Docker image)
SQLITE_BACKUP = ("import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup("
                 "sqlite3.connect(sys.argv[2]))")


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def backup_sqlite(url: str, directory: Path) -> str:
    source = make_url(url).database
    assert source is not None
    target = directory / "backup" / "policybot.db"
    target.parent.mkdir()
    run(sys.executable, "-c", SQLITE_BACKUP, source, str(target))
    return f"sqlite+aiosqlite:///{target}"


@contextlib.asynccontextmanager
async def restored_postgres(url: str, directory: Path) -> AsyncIterator[str]:
    """pg_dump the test's schema, pg_restore it into a new database; that database's URL
    (same schema, same search_path). Dropped afterwards."""
    server = make_url(url)
    schema = str(server.query["options"]).removeprefix("-csearch_path=")
    dump = directory / "policybot.dump"
    plain = server.set(query={}).render_as_string(hide_password=False)
    run("pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", plain)
    name = f"pbrestore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sync_url(plain), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = server.set(database=name)
        run("pg_restore", "--no-owner", "--exit-on-error",
            f"--dbname={target.set(query={}).render_as_string(hide_password=False)}", str(dump))
        yield target.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.asynccontextmanager
async def backed_up(url: str, directory: Path) -> AsyncIterator[str]:
    if url.startswith("sqlite"):
        yield await asyncio.to_thread(backup_sqlite, url, directory)
        return
    async with restored_postgres(url, directory) as restored:
        yield restored


async def read_as_chair(application: App) -> list[str]:
    chair = ConsoleDriver(application, "croughton", "chair", "dm")
    [entry] = [line for line in await chair.send("/list") if "Headteacher is inv" in line]
    number = entry.removeprefix("dm:chair| #").split(" ")[0]
    return await chair.send(f"/view {number}")


async def test_a_backup_restores_with_its_key_and_is_refused_without_it(
    app: App, console: ConsoleDriver, settings: Settings, tmp_path: Path,
) -> None:
    await report(console, category="The Headteacher is involved", involved=None, text=TYPED)
    async with backed_up(settings.resolved_database_url, tmp_path) as copy:
        restored = settings.model_copy(update={
            "database_url": copy, "data_dir": tmp_path / "restored-data"})
        application = await build_app(restored, migrate=False, with_answers=False)
        try:
            assert f"dm:chair| What happened: {TYPED}" in await read_as_chair(application)
        finally:
            await application.close()
        other_key = restored.model_copy(update={
            "encryption_key": SecretStr(Cipher.generate_key())})
        with pytest.raises(CipherError, match="lacks the encryption key"):
            await build_app(other_key, migrate=False, with_answers=False)
