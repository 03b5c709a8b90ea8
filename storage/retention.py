"""Retention's storage side: the reports that are candidates, and deleting a report with
everything that belongs to it (readers, chronology, evidence, and every message
queued or sent about it). Which reports go, and when, is decided by
:mod:`handlers.report_retention`; the audit rows are written there too."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage
from storage.report_models import Report, ReportEvent, ReportEvidence, ReportReader

REPORT_KEYS = "report:"  # handlers.outbox_keys.report_prefix(): keys report:<id>:…


async def candidates(*, session: AsyncSession, school_id: int) -> list[Report]:
    """The school's reports not under a legal hold, oldest first."""
    query = (select(Report).where(Report.school_id == school_id,
                                  col(Report.legal_hold).is_(False))
             .order_by(col(Report.created_at), col(Report.id)))
    return list(await session.exec(query))


async def held_count(*, session: AsyncSession, school_id: int) -> int:
    """How many of the school's reports are under a legal hold."""
    query = select(func.count(col(Report.id))).where(Report.school_id == school_id,
                                                    col(Report.legal_hold).is_(True))
    return int((await session.exec(query)).one())


async def delete_reports(*, session: AsyncSession, school_id: int,
                         ids: Collection[int]) -> None:
    """Delete these reports of the school and all that belongs to them. A report under a
    legal hold is never deleted (the caller has checked; this refuses regardless)."""
    query = select(Report.id).where(Report.school_id == school_id,
                                    col(Report.id).in_(list(ids)),
                                    col(Report.legal_hold).is_(False))
    doomed = [i for i in await session.exec(query) if i is not None]
    if not doomed:
        return
    for model in (ReportEvent, ReportEvidence, ReportReader):
        await session.exec(delete(model).where(col(model.report_id).in_(doomed)))
    await _forget_messages(session, school_id, set(doomed))
    await session.exec(delete(Report).where(col(Report.id).in_(doomed)))


async def _forget_messages(session: AsyncSession, school_id: int, ids: set[int]) -> None:
    """Outbox rows about these reports (keys ``report:<id>:...``), sent or not."""
    query = select(OutboxMessage.id, OutboxMessage.key).where(
        OutboxMessage.school_id == school_id, col(OutboxMessage.key).startswith(REPORT_KEYS))
    doomed = [row_id for row_id, key in await session.exec(query)
              if key.split(":")[1].isdigit() and int(key.split(":")[1]) in ids]
    if doomed:
        await session.exec(delete(OutboxMessage).where(col(OutboxMessage.id).in_(doomed)))
