"""The outbox: messages that must arrive, delivered after the transaction that
wrote them, with retry, each exactly once per ``key``.

A sender *claims* due rows (a lease: ``claimed_until``) before sending, so two
workers never send the same row; a worker that dies mid-send leaves a lease that
expires and the row is picked up again. The claim is one ``WITH chosen AS (SELECT … LIMIT n)
UPDATE … WHERE id IN (SELECT id FROM chosen) RETURNING`` statement: on PostgreSQL
the select takes row locks ``FOR UPDATE SKIP LOCKED`` so concurrent workers take
disjoint rows without waiting, and is ``MATERIALIZED`` so it runs once (at most
``n`` rows); on SQLite the single statement holds the write lock from the
start, so no stale read is ever upgraded to a write. :func:`claim` also retries a
transaction that SQLite refuses as busy.

Statuses: ``pending`` (to send), ``sent``, ``failed`` (gave up), ``cancelled``
(no longer wanted, e.g. a nudge to someone who has since acknowledged).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, func, or_, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import Chat, OutboxMessage, Person, utcnow

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
BUSY_RETRIES = 8
QUEUED = "policybot.outbox_queued"  # session.info: a row was queued in this transaction
NOTIFIED = "policybot.outbox_notified"  # session.info: the people mail was queued for
T = TypeVar("T")


async def enqueue(
    *, session: AsyncSession, key: str, school_id: int | None, payload: str,
    person_id: int | None = None, chat_id: int | None = None,
    available_at: dt.datetime | None = None,
) -> bool:
    """Add a message to a person or a chat unless one with this key exists (see
    :func:`enqueue_id`). Returns True if it was added."""
    return await enqueue_id(session=session, key=key, school_id=school_id, payload=payload,
                            person_id=person_id, chat_id=chat_id,
                            available_at=available_at) is not None


async def enqueue_id(
    *,
    session: AsyncSession,
    key: str,
    school_id: int | None,
    payload: str,
    person_id: int | None = None,
    chat_id: int | None = None,
    platform: str | None = None,
    available_at: dt.datetime | None = None,
    claimed_by: str | None = None,
    lease: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> int | None:
    """Add a message unless one with this key exists; its id, or None if it existed.

    It goes to one person, one chat, or (a reply) an address on one ``platform``.
    ``claimed_by`` queues it already claimed by that worker for ``lease`` (the worker
    sends it itself at once; if it dies, another sends it when the lease expires)."""
    row = await enqueue_row(session=session, key=key, school_id=school_id, payload=payload,
                            person_id=person_id, chat_id=chat_id, platform=platform,
                            available_at=available_at, claimed_by=claimed_by, lease=lease,
                            now=now)
    return None if row is None else row.id


async def enqueue_row(
    *,
    session: AsyncSession,
    key: str,
    school_id: int | None,
    payload: str,
    person_id: int | None = None,
    chat_id: int | None = None,
    platform: str | None = None,
    available_at: dt.datetime | None = None,
    claimed_by: str | None = None,
    lease: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> OutboxMessage | None:
    """:func:`enqueue_id`, returning the row as written (with its id), not attached to
    the session, or None if one with this key existed. A row queued ``claimed_by`` a
    worker can be sent by that worker from this copy once the transaction commits,
    without reading it back (:meth:`bot.delivery.Deliverer.deliver_held`)."""
    if sum(x is not None for x in (person_id, chat_id, platform)) != 1:
        raise ValueError("an outbox message goes to one person, one chat or one address")
    now = now or utcnow()
    values: dict[str, Any] = {
        "key": key, "school_id": school_id, "person_id": person_id, "chat_id": chat_id,
        "platform": platform, "payload": payload, "status": PENDING,
        "attempts": 0 if claimed_by is None else 1,
        "available_at": available_at or now, "created_at": now, "claimed_by": claimed_by,
        "claimed_until": None if claimed_by is None else now + (lease or dt.timedelta()),
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    found = (await session.exec(_ENQUEUE[dialect],
                                params={f"p_{name}": v for name, v in values.items()})).first()
    if found is None:
        return None
    if claimed_by is None:
        session.info[QUEUED] = True
        if person_id is not None:
            session.info.setdefault(NOTIFIED, set()).add(person_id)
    return OutboxMessage(id=int(found[0]), **values)


def _enqueue_statement(insert: Any) -> Any:
    return (insert(_TABLE).values({name: bindparam(f"p_{name}") for name in _QUEUED_COLUMNS})
            .on_conflict_do_nothing(index_elements=["key"]).returning(_TABLE.c.id))


# The statements every webhook update runs, built once (building and keying a statement
# costs more CPU than SQLite takes to run it).
_TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
_QUEUED_COLUMNS = ("key", "school_id", "person_id", "chat_id", "platform", "payload", "status",
                   "attempts", "available_at", "created_at", "claimed_by", "claimed_until")
_ENQUEUE = {"postgresql": _enqueue_statement(pg_insert),
            "sqlite": _enqueue_statement(sqlite_insert)}
_MARK_SENT = (update(_TABLE)
              .where(_TABLE.c.id.in_(bindparam("p_ids", expanding=True)),
                     _TABLE.c.claimed_by == bindparam("p_worker"), _TABLE.c.status == PENDING)
              .values(status=SENT, sent_at=bindparam("p_now"), claimed_until=None,
                      last_error=None))


async def claim_due(
    *, session: AsyncSession, now: dt.datetime, worker: str, lease: dt.timedelta, limit: int = 50,
    prefixes: tuple[str, ...] | None = None, platforms: tuple[str, ...] | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for ``worker`` until ``now + lease``, oldest first;
    only rows whose key starts with one of ``prefixes``, if given, and only replies
    addressed on one of ``platforms``, if given (the platforms this worker can reach).

    One statement: the update repeats the "due and unclaimed" test on the rows the
    inner select chose, so of two workers racing for a row only one gets it."""
    claimable = (
        col(OutboxMessage.status) == PENDING,
        col(OutboxMessage.available_at) <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now),
        or_(*(col(OutboxMessage.key).startswith(p, autoescape=True) for p in prefixes))
        if prefixes is not None else true(),
        or_(col(OutboxMessage.platform).is_(None), col(OutboxMessage.platform).in_(platforms))
        if platforms is not None else true(),
    )
    due = (select(OutboxMessage.id).where(*claimable)
           .order_by(col(OutboxMessage.available_at), col(OutboxMessage.id)).limit(limit))
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgres:
        due = due.with_for_update(skip_locked=True)
    # The chosen ids in a CTE, MATERIALIZED on PostgreSQL: run once. As a plain subquery the
    # planner may rescan it, and each rescan skips the rows just claimed (SKIP LOCKED) and
    # takes the next ``limit``: one claim of 50 took 300 rows.
    chosen = due.cte("chosen")
    if postgres:
        chosen = chosen.prefix_with("MATERIALIZED")
    claim_rows = (
        update(OutboxMessage).where(col(OutboxMessage.id).in_(select(chosen.c.id)), *claimable)
        .values(claimed_until=now + lease, claimed_by=worker,
                attempts=col(OutboxMessage.attempts) + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    rows = list((await session.exec(claim_rows)).scalars())
    return sorted(rows, key=lambda r: (r.available_at, r.id or 0))


async def _retrying(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in its own transaction, again while SQLite reports the database busy
    (another process held the write lock longer than the busy timeout)."""
    for attempt in range(BUSY_RETRIES):
        try:
            async with db.session() as session:
                return await work(session)
        except OperationalError as exc:
            if not db.is_sqlite or not _busy(exc) or attempt == BUSY_RETRIES - 1:
                raise
            await asyncio.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")


def _busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


async def claim(
    *, db: Database, now: dt.datetime, worker: str, lease: dt.timedelta, limit: int = 50,
    prefixes: tuple[str, ...] | None = None, platforms: tuple[str, ...] | None = None,
) -> list[OutboxMessage]:
    """:func:`claim_due` in its own transaction."""
    return await _retrying(db, lambda session: claim_due(
        session=session, now=now, worker=worker, lease=lease, limit=limit, prefixes=prefixes,
        platforms=platforms))


async def record_sent_many(*, db: Database, message_ids: Sequence[int], worker: str,
                           now: dt.datetime) -> int:
    """:func:`mark_sent_many` in its own transaction."""
    return await _retrying(db, lambda session: mark_sent_many(
        session=session, message_ids=message_ids, worker=worker, now=now))


async def record_retry(*, db: Database, message_id: int, error: str, retry_at: dt.datetime,
                       give_up: bool = False) -> None:
    """:func:`mark_retry` in its own transaction."""
    await _retrying(db, lambda session: mark_retry(
        session=session, message_id=message_id, error=error, retry_at=retry_at,
        give_up=give_up))


async def mark_sent(*, session: AsyncSession, message_id: int, worker: str,
                    now: dt.datetime) -> bool:
    """Record a delivery; False if this worker no longer held the claim."""
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == worker,
               col(OutboxMessage.status) == PENDING)
        .values(status=SENT, sent_at=now, claimed_until=None, last_error=None)
    )
    return bool(result.rowcount)


async def mark_sent_many(*, session: AsyncSession, message_ids: Sequence[int], worker: str,
                         now: dt.datetime) -> int:
    """Record several deliveries in one statement: :func:`mark_sent` for each (a row
    this worker no longer held is left alone); how many were marked."""
    result = await session.exec(_MARK_SENT, params={"p_ids": list(message_ids),
                                                    "p_worker": worker, "p_now": now})
    return int(result.rowcount)


async def mark_retry(*, session: AsyncSession, message_id: int, error: str,
                     retry_at: dt.datetime, give_up: bool = False) -> None:
    """Release the claim after a failed send: try again at ``retry_at``, or give up."""
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
        .values(status=FAILED if give_up else PENDING, available_at=retry_at,
                claimed_until=None, claimed_by=None, last_error=error[:500])
    )


async def keys_with_prefix(*, session: AsyncSession, prefix: str) -> set[str]:
    """Every key queued (in any status) that starts with ``prefix``."""
    query = select(OutboxMessage.key).where(col(OutboxMessage.key).startswith(
        prefix, autoescape=True))
    return set((await session.exec(query)).all())


async def queued_times(*, session: AsyncSession, prefix: str) -> list[dt.datetime]:
    """When each message whose key starts with ``prefix`` was (or will be) available,
    oldest first."""
    query = select(OutboxMessage.available_at).where(col(OutboxMessage.key).startswith(
        prefix, autoescape=True)).order_by(col(OutboxMessage.available_at))
    return list((await session.exec(query)).all())


async def cancel_pending(*, session: AsyncSession, prefix: str) -> int:
    """Cancel the pending messages whose key starts with ``prefix``; how many were."""
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.key).startswith(prefix, autoescape=True),
               col(OutboxMessage.status) == PENDING)
        .values(status=CANCELLED, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def recipients(*, session: AsyncSession, rows: Sequence[OutboxMessage],
                     ) -> tuple[dict[int, Person], dict[int, Chat]]:
    """The people and chats a batch of rows goes to, by id (one query each)."""
    person_ids = {r.person_id for r in rows if r.person_id is not None}
    chat_ids = {r.chat_id for r in rows if r.chat_id is not None}
    people: dict[int, Person] = {}
    chats: dict[int, Chat] = {}
    if person_ids:
        found = await session.exec(select(Person).where(col(Person.id).in_(person_ids)))
        people = {p.id: p for p in found if p.id is not None}
    if chat_ids:
        rooms = await session.exec(select(Chat).where(col(Chat.id).in_(chat_ids)))
        chats = {c.id: c for c in rooms if c.id is not None}
    return people, chats


async def backlog(*, session: AsyncSession, now: dt.datetime) -> tuple[int, float]:
    """How many messages wait to be delivered, and the oldest one's wait in seconds."""
    query = select(func.count(), func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status == PENDING)
    count, oldest = (await session.exec(query)).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return int(count), max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


async def pending_count(*, session: AsyncSession) -> int:
    rows = await session.exec(select(OutboxMessage.id).where(OutboxMessage.status == PENDING))
    return len(rows.all())
