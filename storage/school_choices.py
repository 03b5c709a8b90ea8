"""Repository for :class:`PrivateSchoolChoice`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person, PersonIdentity
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


async def follow_message_to(*, session: AsyncSession, person: Person, now: dt.datetime) -> None:
    """The bot just wrote privately to ``person`` (with buttons to press): for accounts
    shared by several schools' people, their private chat now acts for this school, so
    the reply or button press lands in the school the message came from."""
    assert person.id is not None
    mine = select(PersonIdentity.platform, PersonIdentity.external_id).where(
        PersonIdentity.person_id == person.id)
    for platform, external_id in list(await session.exec(mine)):
        shared = select(func.count()).select_from(PersonIdentity).where(
            col(PersonIdentity.platform) == platform,
            col(PersonIdentity.external_id) == external_id)
        if (await session.exec(shared)).one() > 1:
            await choose(session=session, platform=platform, external_id=external_id,
                         school_id=person.school_id, now=now)
