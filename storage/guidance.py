"""Repository for school guidance (queries only; question and answer arrive encrypted).

A Headteacher's ``/answer`` is stored as offered guidance; it answers later questions
only once they keep it (:func:`keep`), and stops when they remove it (:func:`remove`).
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.guidance_models import SchoolGuidance

__all__ = ["KEEP", "LIST", "REMOVE", "get", "keep", "kept", "offer", "remove"]

# audit actions
KEEP, LIST, REMOVE = "guidance-keep", "guidance-list", "guidance-remove"


async def offer(*, session: AsyncSession, school_id: int, gap_id: int | None,
                author_id: int | None, audience: str, question: str, answer: str,
                now: dt.datetime) -> SchoolGuidance:
    row = SchoolGuidance(school_id=school_id, gap_id=gap_id, author_id=author_id,
                         audience=audience, question=question, answer=answer,
                         answered_at=now)
    session.add(row)
    await session.flush()
    return row


async def get(*, session: AsyncSession, school_id: int,
              guidance_id: int) -> SchoolGuidance | None:
    row = await session.get(SchoolGuidance, guidance_id)
    return row if row is not None and row.school_id == school_id else None


async def keep(*, session: AsyncSession, row: SchoolGuidance, now: dt.datetime) -> bool:
    """False if it was already kept (a second press changes nothing)."""
    if row.kept_at is not None:
        return False
    row.kept_at = now
    session.add(row)
    await session.flush()
    return True


async def kept(*, session: AsyncSession, school_id: int) -> list[SchoolGuidance]:
    """The school's kept guidance, newest first."""
    query = (select(SchoolGuidance)
             .where(SchoolGuidance.school_id == school_id,
                    col(SchoolGuidance.kept_at).is_not(None))
             .order_by(col(SchoolGuidance.kept_at).desc(), col(SchoolGuidance.id).desc()))
    return list(await session.exec(query))


async def remove(*, session: AsyncSession, row: SchoolGuidance) -> None:
    await session.delete(row)
    await session.flush()
