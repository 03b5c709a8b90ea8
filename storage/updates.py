"""Claiming platform updates so each is handled once, whichever worker receives it.

:func:`claim` inserts ``(platform, key)`` unless it exists, in its own short
transaction before the update is handled: of two deliveries of one update (a
webhook retry, two workers, a restarted poller) exactly one claim succeeds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.update_models import ProcessedUpdate

__all__ = ["claim", "prune"]


async def claim(*, session: AsyncSession, platform: str, key: str, now: dt.datetime) -> bool:
    """Record the update as taken; False if it was already taken (a duplicate)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ProcessedUpdate).values(
        platform=platform, update_key=key, received_at=now,
    ).on_conflict_do_nothing(index_elements=["platform", "update_key"]).returning(
        col(ProcessedUpdate.update_key))
    # RETURNING, not rowcount: psycopg's async cursor reports -1 for this statement
    return (await session.exec(statement)).first() is not None


async def prune(*, session: AsyncSession, before: dt.datetime) -> int:
    """Forget updates received before ``before``; return how many were forgotten."""
    result = await session.exec(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.received_at) < before)
        .returning(col(ProcessedUpdate.update_key)))
    return len(result.all())
