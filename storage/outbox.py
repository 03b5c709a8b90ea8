"""The outbox: messages that must arrive, delivered after the transaction that
wrote them, with retry, each exactly once per ``key``.

A sender *claims* due rows (a lease: ``claimed_until``) before sending, so two
workers never send the same row; a worker that dies mid-send leaves a lease that
expires and the row is picked up again. On PostgreSQL the claim uses
``FOR UPDATE SKIP LOCKED``; SQLite serialises writers, so a plain update is enough.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"


async def enqueue(
    *,
    session: AsyncSession,
    key: str,
    school_id: int,
    payload: str,
    person_id: int | None = None,
    chat_id: int | None = None,
    available_at: dt.datetime | None = None,
) -> bool:
    """Add a message unless one with this key exists. Returns True if it was added."""
    if (person_id is None) == (chat_id is None):
        raise ValueError("an outbox message goes to exactly one person or one chat")
    now = utcnow()
    values = {
        "key": key, "school_id": school_id, "person_id": person_id, "chat_id": chat_id,
        "payload": payload, "status": PENDING, "attempts": 0,
        "available_at": available_at or now, "created_at": now,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["key"])
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_due(
    *, session: AsyncSession, now: dt.datetime, worker: str, lease: dt.timedelta, limit: int = 50
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for ``worker`` until ``now + lease``.

    The update repeats the "due and unclaimed" test, so of two workers racing for
    a row only one matches it; each then reads back the rows it holds.
    """
    claimable = (
        col(OutboxMessage.status) == PENDING,
        col(OutboxMessage.available_at) <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now),
    )
    due = (select(OutboxMessage.id).where(*claimable)
           .order_by(col(OutboxMessage.available_at), col(OutboxMessage.id)).limit(limit))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list((await session.exec(due)).all())
    if not ids:
        return []
    until = now + lease
    await session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(ids), *claimable)
        .values(claimed_until=until, claimed_by=worker,
                attempts=col(OutboxMessage.attempts) + 1)
    )
    mine = (select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == worker,
                   col(OutboxMessage.claimed_until) == until)
            .order_by(col(OutboxMessage.available_at), col(OutboxMessage.id))
            .execution_options(populate_existing=True))
    return list(await session.exec(mine))


async def mark_sent(*, session: AsyncSession, message_id: int, worker: str,
                    now: dt.datetime) -> bool:
    """Record a delivery; False if this worker no longer held the claim."""
    result = await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == worker,
               col(OutboxMessage.status) == PENDING)
        .values(status=SENT, sent_at=now, claimed_until=None, last_error=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_retry(*, session: AsyncSession, message_id: int, error: str,
                     retry_at: dt.datetime, give_up: bool = False) -> None:
    """Release the claim after a failed send: try again at ``retry_at``, or give up."""
    await session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
        .values(status=FAILED if give_up else PENDING, available_at=retry_at,
                claimed_until=None, claimed_by=None, last_error=error[:500])
    )


async def pending_count(*, session: AsyncSession) -> int:
    rows = await session.exec(select(OutboxMessage.id).where(OutboxMessage.status == PENDING))
    return len(rows.all())
