"""Platform updates already handled, so an update delivered twice (a webhook retry, a
restarted poller, two workers, a Slack retry) changes nothing the second time.

:func:`record` is called first in the transaction that handles the update (see
:mod:`bot.inbound`): it inserts ``(platform, key)`` unless the row exists, in one
``INSERT … ON CONFLICT DO NOTHING`` statement. The row commits together with
everything the handler changed and the replies it queued, or not at all:

- a worker killed mid-update commits nothing, so the redelivered update is handled
  as if for the first time;
- a redelivery after the commit finds the row and changes nothing (its replies are
  already in the outbox);
- two deliveries racing: on PostgreSQL the second insert waits on the first's
  uncommitted row, then finds it (or, if the first rolled back, takes over); on
  SQLite one transaction writes at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.update_models import ProcessedUpdate

__all__ = ["KEEP", "prune", "record"]

KEEP = dt.timedelta(days=3)  # platforms redeliver within minutes or hours, never days


def _record_statement(insert: Any) -> Any:
    table: Table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    return (insert(table)
            .values(platform=bindparam("p_platform"), update_key=bindparam("p_key"),
                    received_at=bindparam("p_at"))
            .on_conflict_do_nothing(index_elements=["platform", "update_key"])
            .returning(table.c.update_key))


# Built once, per dialect (every update runs it: building and keying a statement costs
# more CPU than SQLite takes to run it). RETURNING, not rowcount: psycopg's async cursor
# reports -1 for this statement.
_RECORD = {"postgresql": _record_statement(pg_insert), "sqlite": _record_statement(sqlite_insert)}


async def record(*, session: AsyncSession, platform: str, key: str, now: dt.datetime) -> bool:
    """Record the update as handled in this transaction; False if it already was."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    found = await session.exec(_RECORD[dialect],
                               params={"p_platform": platform, "p_key": key, "p_at": now})
    return found.first() is not None


async def prune(*, session: AsyncSession, before: dt.datetime) -> int:
    """Forget updates received before ``before``; return how many were forgotten."""
    result = await session.exec(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.received_at) < before)
        .returning(col(ProcessedUpdate.update_key)))
    return len(result.all())
