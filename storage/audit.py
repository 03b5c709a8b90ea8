"""The audit log: one row for every list, view, export, change, review and deletion of
report data.

Rows carry who, what and which report, never the content itself; only a deletion's
reason (the last word on a record that is gone) is kept, encrypted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.report_models import AuditEntry

VIEW, LIST, EXPORT, OUTCOME, MESSAGE, SUBMIT, PURGE = (
    "view", "list", "export", "outcome", "message", "submit", "purge")
ACTION, CORRECTION, WITHDRAW, EVIDENCE = "action", "correction", "withdraw", "evidence"
REVIEW_DUE, REVIEW_KEEP, REVIEW_DELETE = "review_due", "review_keep", "review_delete"
HOLD, RELEASE, DELETE = "hold", "release", "delete"
GAPS = "gaps"  # a look at the unanswered-questions log


async def record(
    *, session: AsyncSession, school_id: int, actor_id: int | None, action: str,
    now: dt.datetime, report_id: int | None = None, detail: str = "",
    reason_enc: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(school_id=school_id, actor_id=actor_id, action=action,
                       report_id=report_id, detail=detail[:500], reason_enc=reason_enc,
                       created_at=now)
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


async def views_of(*, session: AsyncSession, school_id: int,
                   report_ids: Collection[int]) -> dict[tuple[int, int], tuple[int, dt.datetime]]:
    """How often each person opened each report, and when last: ``(report, person) →
    (times, last)``."""
    if not report_ids:
        return {}
    query = (select(AuditEntry.report_id, AuditEntry.actor_id, func.count(col(AuditEntry.id)),
                    func.max(AuditEntry.created_at))
             .where(AuditEntry.school_id == school_id, AuditEntry.action == VIEW,
                    col(AuditEntry.report_id).in_(list(report_ids)),
                    col(AuditEntry.actor_id).is_not(None))
             .group_by(col(AuditEntry.report_id), col(AuditEntry.actor_id)))
    return {(report, actor): (int(times), _aware(last))
            for report, actor, times, last in await session.exec(query)
            if report is not None and actor is not None}


def _aware(moment: dt.datetime) -> dt.datetime:
    """``max()`` of a timestamp comes back from SQLite without its zone (it is UTC)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
