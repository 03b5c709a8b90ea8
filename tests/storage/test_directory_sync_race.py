"""Two workers starting together on a new PostgreSQL database both sync the directory:
one waits for the other instead of failing on the schools it added (the faults
benchmark's two workers found this)."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import load_config
from bot.settings import bundled_demo_config
from storage.db import Database
from storage.directory import sync_directory


async def test_two_workers_syncing_a_new_directory_at_once_both_succeed(
        database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite takes turns on its write lock; this is PostgreSQL's race")
    schools = load_config(bundled_demo_config()).schools
    workers = [Database(database_url), Database(database_url)]

    async def sync(db: Database) -> None:
        async with db.session() as session:
            await sync_directory(session=session, schools=schools)
    try:
        await asyncio.gather(*(sync(db) for db in workers))
    finally:
        for db in workers:
            await db.dispose()
