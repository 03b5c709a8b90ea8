"""Messages to other people, through the outbox so they arrive exactly once.

Call :func:`notify_person` inside the same session (transaction) as the change that
causes the message: both commit or neither does. Payloads are encrypted at rest.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.replies import Message
from storage import outbox
from storage.crypto import Cipher


async def notify_person(
    *, session: AsyncSession, cipher: Cipher, key: str, school_id: int, person_id: int,
    message: Message, available_at: dt.datetime | None = None,
) -> bool:
    """Queue a private message to one person; False if ``key`` was already queued."""
    return await outbox.enqueue(
        session=session, key=key, school_id=school_id, person_id=person_id,
        payload=cipher.encrypt(message.to_json()), available_at=available_at)


async def notify_chat(
    *, session: AsyncSession, cipher: Cipher, key: str, school_id: int, chat_id: int,
    message: Message, available_at: dt.datetime | None = None,
) -> bool:
    """Queue a message to a configured group chat (never use this for report content)."""
    return await outbox.enqueue(
        session=session, key=key, school_id=school_id, chat_id=chat_id,
        payload=cipher.encrypt(message.to_json()), available_at=available_at)
