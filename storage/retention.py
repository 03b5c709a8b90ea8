"""Retention: entries older than a school's retention period are deleted, with their
thread and any queued notifications about them; one audit row records the purge."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage.models import OutboxMessage
from storage.report_models import Report, ReportMessage


async def purge_expired(*, session: AsyncSession, school_id: int, cutoff: dt.datetime,
                        now: dt.datetime) -> list[int]:
    """Delete the school's reports created before ``cutoff``; return their ids. The audit
    row names them by reference, the number people knew them by."""
    query = select(Report.id, Report.reference).where(
        Report.school_id == school_id, col(Report.created_at) < cutoff).order_by(
        col(Report.created_at), col(Report.id))
    found = [(i, ref) for i, ref in await session.exec(query) if i is not None]
    ids = [i for i, _ in found]
    if ids:
        await session.exec(delete(ReportMessage).where(col(ReportMessage.report_id).in_(ids)))
        await _forget_notifications(session, school_id, set(ids))
        await session.exec(delete(Report).where(col(Report.id).in_(ids)))
    entries = f"{len(ids)} {'entry' if len(ids) == 1 else 'entries'}"
    listed = f": #{', #'.join(str(ref) for _, ref in found)}" if found else ""
    await audit.record(
        session=session, school_id=school_id, actor_id=None, action=audit.PURGE, now=now,
        detail=f"{entries} received before {cutoff.date().isoformat()} deleted{listed}")
    return ids


async def _forget_notifications(session: AsyncSession, school_id: int, ids: set[int]) -> None:
    """Outbox rows about these reports (keys ``report:<id>:...``), sent or not."""
    query = select(OutboxMessage.id, OutboxMessage.key).where(
        OutboxMessage.school_id == school_id, col(OutboxMessage.key).startswith("report:"))
    doomed = [row_id for row_id, key in await session.exec(query)
              if key.split(":")[1].isdigit() and int(key.split(":")[1]) in ids]
    if doomed:
        await session.exec(delete(OutboxMessage).where(col(OutboxMessage.id).in_(doomed)))
