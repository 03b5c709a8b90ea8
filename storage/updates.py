"""Claiming platform updates, so each is handled once whichever worker receives it, and
one whose handling failed or was interrupted is handled again when it is redelivered.

A claim is a row ``(platform, key)`` in one of two states:

- ``handling``: a worker (``holder``) is handling it until ``lease_until``. It
  :func:`complete`\\ s the claim when the replies were sent, or :func:`release`\\ s it
  (deletes the row) when handling failed, so the platform's retry handles it again.
  A worker that dies mid-update does neither: its lease expires, and a delivery after
  that takes the claim over.
- ``done``: handled; every later delivery is a duplicate.

:func:`claim` is one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` statement (a new row,
or an expired ``handling`` one taken over), so of several deliveries racing for one
update (a webhook retry, two workers, a restarted poller) exactly one takes it, on
PostgreSQL (the conflicting row is locked) and on SQLite (one writer at a time).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, delete, false, or_, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.update_models import ProcessedUpdate

__all__ = ["BUSY", "DONE", "HANDLING", "LEASE", "TAKEN", "Claim", "claim", "complete",
           "prune", "release"]

HANDLING, DONE = "handling", "done"  # row statuses
TAKEN, BUSY = "taken", "busy"  # claim outcomes besides DONE
LEASE = dt.timedelta(seconds=90)  # longer than handling one update ever takes


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of :func:`claim`: ``TAKEN`` (handle it, then complete or release it
    with ``holder``), ``DONE`` (a duplicate of a handled update) or ``BUSY`` (another
    worker is handling it until ``lease_until``). True only when taken."""

    outcome: str
    holder: str | None = None
    lease_until: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.outcome == TAKEN


async def claim(*, session: AsyncSession, platform: str, key: str, now: dt.datetime,
                lease: dt.timedelta = LEASE, take_over: bool = False) -> Claim:
    """Take the update for handling until ``now + lease``: a new one, or one left
    ``handling`` by a worker whose lease has expired (or any ``handling`` one, with
    ``take_over``: for a caller that knows no other worker can hold it)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    holder = secrets.token_hex(8)
    new = insert(ProcessedUpdate).values(
        platform=platform, update_key=key, received_at=now, status=HANDLING, holder=holder,
        lease_until=now + lease)
    abandoned = and_(col(ProcessedUpdate.status) == HANDLING,
                     or_(true() if take_over else false(),
                         col(ProcessedUpdate.lease_until) <= now))
    statement = new.on_conflict_do_update(
        index_elements=["platform", "update_key"], where=abandoned,
        set_={"status": new.excluded.status, "holder": new.excluded.holder,
              "lease_until": new.excluded.lease_until},
    ).returning(col(ProcessedUpdate.update_key))
    # RETURNING, not rowcount: psycopg's async cursor reports -1 for this statement
    if (await session.exec(statement)).first() is not None:
        return Claim(TAKEN, holder, now + lease)
    row = (await session.exec(
        select(ProcessedUpdate.status, ProcessedUpdate.lease_until)
        .where(ProcessedUpdate.platform == platform, ProcessedUpdate.update_key == key))).first()
    if row is None or row[0] == DONE:  # (None: pruned in between; nothing to redo)
        return Claim(DONE)
    return Claim(BUSY, lease_until=row[1])


def _held(platform: str, key: str, holder: str) -> tuple[object, ...]:
    return (col(ProcessedUpdate.platform) == platform, col(ProcessedUpdate.update_key) == key,
            col(ProcessedUpdate.holder) == holder, col(ProcessedUpdate.status) == HANDLING)


async def complete(*, session: AsyncSession, platform: str, key: str, holder: str) -> bool:
    """Mark the update handled; False if ``holder`` no longer held it (its lease expired
    and another worker took it over)."""
    result = await session.exec(
        update(ProcessedUpdate).where(*_held(platform, key, holder))  # type: ignore[arg-type]
        .values(status=DONE, lease_until=None).returning(col(ProcessedUpdate.update_key)))
    return result.first() is not None


async def release(*, session: AsyncSession, platform: str, key: str, holder: str) -> bool:
    """Give the update up after a failure, so its next delivery is handled; False if
    ``holder`` no longer held it."""
    result = await session.exec(
        delete(ProcessedUpdate).where(*_held(platform, key, holder))  # type: ignore[arg-type]
        .returning(col(ProcessedUpdate.update_key)))
    return result.first() is not None


async def prune(*, session: AsyncSession, before: dt.datetime) -> int:
    """Forget updates received before ``before``; return how many were forgotten."""
    result = await session.exec(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.received_at) < before)
        .returning(col(ProcessedUpdate.update_key)))
    return len(result.all())
