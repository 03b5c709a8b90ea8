"""Repository for unanswered questions (queries only; text arrives encrypted)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.gap_models import UnansweredQuestion


async def record(*, session: AsyncSession, school_id: int, person_id: int | None, audience: str,
                 question: str, private: bool, now: dt.datetime) -> UnansweredQuestion:
    row = UnansweredQuestion(school_id=school_id, person_id=person_id, audience=audience,
                             private=private, question=question, asked_at=now)
    session.add(row)
    await session.flush()
    return row


async def get(*, session: AsyncSession, school_id: int, gap_id: int) -> UnansweredQuestion | None:
    row = await session.get(UnansweredQuestion, gap_id)
    return row if row is not None and row.school_id == school_id else None


async def recent(
    *, session: AsyncSession, school_id: int, limit: int = 20
) -> list[UnansweredQuestion]:
    query = (select(UnansweredQuestion).where(UnansweredQuestion.school_id == school_id)
             .order_by(col(UnansweredQuestion.asked_at).desc(), col(UnansweredQuestion.id).desc())
             .limit(limit))
    return list(await session.exec(query))


async def mark_passed_on(*, session: AsyncSession, gap: UnansweredQuestion,
                         now: dt.datetime) -> bool:
    """False if it had already been passed on (a second press changes nothing)."""
    if gap.passed_on_at is not None:
        return False
    gap.passed_on_at = now
    session.add(gap)
    await session.flush()
    return True


async def mark_answered(*, session: AsyncSession, gap: UnansweredQuestion,
                        now: dt.datetime) -> None:
    gap.answered_at = now
    session.add(gap)
    await session.flush()
