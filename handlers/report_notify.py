"""Telling the people around a report, privately, through the outbox: every reader (but
whoever acted) and the reporter, each once per entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.context import Services
from handlers.outbox import notify_person
from handlers.replies import Message
from handlers.report_readers import people_reading
from storage.report_models import Report


async def tell(session: AsyncSession, services: Services, report: Report,
               person_ids: Iterable[int], message: Message,
               key: Callable[[int], str]) -> list[int]:
    """Queue ``message`` to each person (once per ``key(person_id)``); who was told."""
    told: list[int] = []
    for person_id in dict.fromkeys(person_ids):
        if await notify_person(session=session, cipher=services.cipher,
                               school_id=report.school_id, key=key(person_id),
                               person_id=person_id, message=message):
            told.append(person_id)
    return told


def keyed(key: str) -> Callable[[int], str]:
    """The same key whoever it goes to (a message meant for one person)."""
    return lambda _person: key


async def reader_ids(session: AsyncSession, report: Report, readers: Sequence[str], *,
                     leaving_out: int | None = None) -> list[int]:
    """The people who read this report now (but ``leaving_out``, who acted)."""
    people = await people_reading(session, report.school_id, readers)
    return [p.id for p in people if p.id is not None and p.id != leaving_out]
