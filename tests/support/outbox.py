"""Queueing an outbox message to someone in a demo school, for tests of delivery."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from handlers.outbox import notify_person
from handlers.replies import Message
from tests.support.people import person


async def queue_for(app: App, *, key: str, message: Message, handle: str = "head",
                    school: str = "croughton", when: dt.datetime | None = None) -> bool:
    """Queue ``message`` to ``handle`` at ``school``; False if ``key`` was already queued."""
    recipient = await person(app, handle, school)
    assert recipient.id is not None
    async with app.services.db.session() as session:
        return await notify_person(session=session, cipher=app.services.cipher, key=key,
                                   school_id=recipient.school_id, person_id=recipient.id,
                                   message=message, available_at=when)
