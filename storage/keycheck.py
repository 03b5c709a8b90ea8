"""The key check's rows (:class:`storage.key_models.KeyCheck`): which keys the data needs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.key_models import KeyCheck

__all__ = ["CHECK_TEXT", "forget_keys_except", "keys_in_use", "record_key"]

CHECK_TEXT = "policybot key check"


async def keys_in_use(*, session: AsyncSession) -> list[KeyCheck]:
    """The keys recorded as having encrypted data here, oldest first."""
    query = select(KeyCheck).order_by(col(KeyCheck.created_at), col(KeyCheck.key_id))
    return list(await session.exec(query))


async def record_key(*, session: AsyncSession, key_id: str, check: str,
                     now: dt.datetime) -> None:
    """Record a key (once: two workers starting together both may)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(KeyCheck).values(key_id=key_id, check=check, created_at=now)
    await session.exec(statement.on_conflict_do_nothing(index_elements=["key_id"]))


async def forget_keys_except(*, session: AsyncSession, key_id: str) -> list[str]:
    """Forget every key but ``key_id`` (after a rotation); return the ids forgotten."""
    rows = await keys_in_use(session=session)
    gone = [row.key_id for row in rows if row.key_id != key_id]
    if gone:
        await session.exec(delete(KeyCheck).where(col(KeyCheck.key_id).in_(gone)))
    return gone
