"""Repository for :class:`PrivateSchoolChoice`."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.school_choice_models import PrivateSchoolChoice


async def current(*, session: AsyncSession, platform: str, external_id: str) -> int | None:
    query = select(PrivateSchoolChoice.school_id).where(
        PrivateSchoolChoice.platform == platform, PrivateSchoolChoice.external_id == external_id)
    return (await session.exec(query)).first()


async def choose(*, session: AsyncSession, platform: str, external_id: str, school_id: int,
                 now: dt.datetime) -> None:
    query = select(PrivateSchoolChoice).where(
        PrivateSchoolChoice.platform == platform, PrivateSchoolChoice.external_id == external_id)
    row = (await session.exec(query)).first()
    if row is None:
        row = PrivateSchoolChoice(platform=platform, external_id=external_id,
                                  school_id=school_id, updated_at=now)
    row.school_id, row.updated_at = school_id, now
    session.add(row)
    await session.flush()
