"""Claiming platform updates: once per (platform, key), on both databases."""

from __future__ import annotations

import datetime as dt

from storage import updates
from storage.db import Database

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


async def test_an_update_is_claimed_once_per_platform(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.session() as session:
            assert await updates.claim(session=session, platform="telegram", key="1:5", now=NOW)
        async with db.session() as session:
            assert not await updates.claim(session=session, platform="telegram", key="1:5",
                                           now=NOW)
            assert await updates.claim(session=session, platform="slack", key="1:5", now=NOW)
    finally:
        await db.dispose()


async def test_old_claims_are_pruned_and_recent_ones_kept(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.session() as session:
            await updates.claim(session=session, platform="telegram", key="old",
                                now=NOW - dt.timedelta(days=4))
            await updates.claim(session=session, platform="telegram", key="new", now=NOW)
        async with db.session() as session:
            assert await updates.prune(session=session, before=NOW - dt.timedelta(days=3)) == 1
        async with db.session() as session:
            assert await updates.claim(session=session, platform="telegram", key="old", now=NOW)
            assert not await updates.claim(session=session, platform="telegram", key="new",
                                           now=NOW)
    finally:
        await db.dispose()
