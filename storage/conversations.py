"""Private multi-step flows in progress: at most one per person, kept in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Conversation


async def current(*, session: AsyncSession, person_id: int) -> Conversation | None:
    query = select(Conversation).where(Conversation.person_id == person_id)
    return (await session.exec(query)).first()


async def save(*, session: AsyncSession, person_id: int, kind: str, state: dict[str, Any],
               now: dt.datetime) -> Conversation:
    """Start or update the person's flow (replacing any other kind they had)."""
    row = await current(session=session, person_id=person_id)
    if row is None:
        row = Conversation(person_id=person_id, kind=kind, state=state, updated_at=now)
    else:
        row.kind, row.state, row.updated_at = kind, dict(state), now
    session.add(row)
    await session.flush()
    return row


async def clear(*, session: AsyncSession, person_id: int) -> None:
    row = await current(session=session, person_id=person_id)
    if row is not None:
        await session.delete(row)
        await session.flush()
