"""The audit log: one row for every view, export, outcome and purge of report data.

Rows carry who, what and which report, never the content itself.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.report_models import AuditEntry

VIEW, LIST, EXPORT, OUTCOME, MESSAGE, SUBMIT, PURGE = (
    "view", "list", "export", "outcome", "message", "submit", "purge")
GAPS = "gaps"  # a look at the unanswered-questions log


async def record(
    *, session: AsyncSession, school_id: int, actor_id: int | None, action: str,
    now: dt.datetime, report_id: int | None = None, detail: str = "",
) -> AuditEntry:
    entry = AuditEntry(school_id=school_id, actor_id=actor_id, action=action,
                       report_id=report_id, detail=detail[:500], created_at=now)
    session.add(entry)
    await session.flush()
    return entry


async def entries(*, session: AsyncSession, school_id: int,
                  action: str | None = None) -> list[AuditEntry]:
    """One school's audit rows, oldest first."""
    query = select(AuditEntry).where(AuditEntry.school_id == school_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    query = query.order_by(col(AuditEntry.created_at), col(AuditEntry.id))
    return list(await session.exec(query))
