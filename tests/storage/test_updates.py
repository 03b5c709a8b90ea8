"""Recording handled platform updates: once per (platform, key), in the handler's own
transaction, on both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from storage import updates
from storage.db import Database

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _record(db: Database, key: str, platform: str = "telegram",
                  now: dt.datetime = NOW) -> bool:
    async with db.session() as session:
        return await updates.record(session=session, platform=platform, key=key, now=now)


async def test_an_update_is_recorded_once_per_platform(db: Database) -> None:
    assert await _record(db, "1:5")
    assert not await _record(db, "1:5")
    assert await _record(db, "1:5", platform="slack")


async def test_a_rolled_back_update_was_never_recorded(db: Database) -> None:
    async def fail_after_recording() -> None:
        async with db.session() as session:
            assert await updates.record(session=session, platform="telegram", key="k", now=NOW)
            raise RuntimeError("the handler failed, or the worker died")

    with pytest.raises(RuntimeError):
        await fail_after_recording()
    assert await _record(db, "k")  # so its redelivery is handled


async def test_of_many_deliveries_at_once_exactly_one_is_recorded(db: Database) -> None:
    recorded = await asyncio.gather(*(_record(db, "1:9") for _ in range(8)))
    assert sorted(recorded) == [False] * 7 + [True]


async def test_old_updates_are_pruned_and_recent_ones_kept(db: Database) -> None:
    await _record(db, "old", now=NOW - dt.timedelta(days=4))
    await _record(db, "new")
    async with db.session() as session:
        assert await updates.prune(session=session, before=NOW - updates.KEEP) == 1
    assert await _record(db, "old")
    assert not await _record(db, "new")
