"""Queueing an outbox message to someone in a demo school, for tests of delivery."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from handlers.outbox import notify_person
from handlers.replies import Message
from storage import directory


async def queue_for(app: App, *, key: str, message: Message, handle: str = "head",
                    school: str = "croughton", when: dt.datetime | None = None) -> bool:
    """Queue ``message`` to ``handle`` at ``school``; False if ``key`` was already queued."""
    async with app.services.db.session() as session:
        found = await directory.school_by_slug(session=session, slug=school)
        assert found is not None
        assert found.id is not None
        person = await directory.person_by_handle(session=session, school_id=found.id,
                                                  handle=handle)
        assert person is not None
        assert person.id is not None
        return await notify_person(session=session, cipher=app.services.cipher, key=key,
                                   school_id=found.id, person_id=person.id, message=message,
                                   available_at=when)
