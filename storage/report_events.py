"""A report's chronology: append-only entries, oldest first. Nothing here updates or
deletes an entry (only retention, deleting the whole report, removes them).

=================  =====================================  ====================
kind               who                                    text (``body_enc``)
=================  =====================================  ====================
``recorded``       the reporter                           —
``notified``       (``person_id``: who was told)          —
``read``           the reader who opened it               —
``message``        whoever wrote in the thread            the message
``action``         the reader who did something           what was done
``outcome``        the reader who closed it               the outcome
``correction``     the reporter                           the correction
``withdrawn``      the reporter                           the reason
``evidence``       whoever added a file after sending     (the file's name)
``review_due``     the system: its retention period ended —
``kept``           the reader who kept it on review       the reason
``hold``           the reader who put a legal hold on it  the reason
``released``       the reader who lifted the hold         the reason
=================  =====================================  ====================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.report_models import ReportEvent

RECORDED, NOTIFIED, READ, MESSAGE, ACTION, OUTCOME = (
    "recorded", "notified", "read", "message", "action", "outcome")
CORRECTION, WITHDRAWN, EVIDENCE = "correction", "withdrawn", "evidence"
REVIEW_DUE, KEPT, HOLD, RELEASED = "review_due", "kept", "hold", "released"
#: Entries that carry text someone wrote.
WRITTEN = (MESSAGE, ACTION, OUTCOME, CORRECTION, WITHDRAWN, KEPT, HOLD, RELEASED)


async def append(
    *, session: AsyncSession, report_id: int, kind: str, now: dt.datetime,
    actor_id: int | None = None, person_id: int | None = None, body_enc: str | None = None,
    dedupe_key: str | None = None,
) -> ReportEvent | None:
    """Add an entry; None if this platform update already added one to this report."""
    if dedupe_key is not None:
        query = select(ReportEvent.id).where(ReportEvent.report_id == report_id,
                                             ReportEvent.dedupe_key == dedupe_key)
        if (await session.exec(query)).first() is not None:
            return None
    event = ReportEvent(report_id=report_id, kind=kind, actor_id=actor_id,
                        person_id=person_id, body_enc=body_enc, dedupe_key=dedupe_key,
                        created_at=now)
    session.add(event)
    await session.flush()
    return event


async def of_report(*, session: AsyncSession, report_id: int) -> list[ReportEvent]:
    return (await of_reports(session=session, report_ids=[report_id])).get(report_id, [])


async def of_reports(*, session: AsyncSession,
                     report_ids: Collection[int]) -> dict[int, list[ReportEvent]]:
    """Each report's chronology, oldest first."""
    if not report_ids:
        return {}
    query = (select(ReportEvent).where(col(ReportEvent.report_id).in_(list(report_ids)))
             .order_by(col(ReportEvent.created_at), col(ReportEvent.id)))
    found: dict[int, list[ReportEvent]] = {}
    for event in await session.exec(query):
        found.setdefault(event.report_id, []).append(event)
    return found


async def has_read(*, session: AsyncSession, report_id: int, person_id: int) -> bool:
    query = select(ReportEvent.id).where(ReportEvent.report_id == report_id,
                                         ReportEvent.kind == READ,
                                         ReportEvent.actor_id == person_id)
    return (await session.exec(query)).first() is not None
