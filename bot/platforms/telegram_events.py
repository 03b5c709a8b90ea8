"""Telegram updates → neutral events.

:func:`read_update` is pure: it picks out of an update what the adapter needs (who,
where, what they typed or pressed), or None for updates the bot does not act on
(channel posts, edits, service messages, other bots, and in a group anything
without text not addressed to the bot). A caption counts as the message's text; a
photo, file, voice note or sticker without one is kept as an ``attachment`` with no
text, so the adapter can say it can't read it. :func:`to_event` then looks up who
and where that is in the school config (:func:`handlers.identity.identify`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Chat, Message, Update

from handlers.events import ChatKind, Event
from handlers.identity import identify
from handlers.parsing import clean_text, parse_command

__all__ = ["PLATFORM", "BotIdentity", "Incoming", "read_update", "to_event"]

PLATFORM = "telegram"
_KINDS = {Chat.PRIVATE: ChatKind.PRIVATE, Chat.GROUP: ChatKind.GROUP,
          Chat.SUPERGROUP: ChatKind.GROUP}


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """What one update says, before identity is looked up."""

    update_id: int
    user_id: int
    display_name: str
    chat_id: int
    chat_kind: ChatKind
    text: str = ""
    action: str | None = None
    callback_id: str | None = None
    message_id: int | None = None  # the message whose button was pressed
    thread_id: int | None = None
    mentions_bot: bool = False
    attachment: bool = False  # a photo, file, voice note…: only its caption is read

    @property
    def key(self) -> str:
        return f"{PLATFORM}:{self.update_id}"

    @property
    def unreadable(self) -> bool:
        """Something sent without any text the bot could read."""
        return self.attachment and not self.text


def read_update(update: Update, me: BotIdentity) -> Incoming | None:
    if update.callback_query is not None:
        return _from_callback(update.update_id, update.callback_query)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    kind = _KINDS.get(message.chat.type)
    text = message.text if message.text is not None else message.caption
    attachment = message.text is None and message.effective_attachment is not None
    if kind is None or (text is None and not attachment):
        return None
    mentions = _mentions(message, text or "", me)
    if text is None and kind is ChatKind.GROUP and not mentions:
        return None  # a photo in the group's conversation, not for the bot
    return Incoming(
        update_id=update.update_id, user_id=message.from_user.id,
        display_name=message.from_user.full_name, chat_id=message.chat.id, chat_kind=kind,
        text=text or "", thread_id=_thread(message), mentions_bot=mentions,
        attachment=attachment)


def _from_callback(update_id: int, query: CallbackQuery) -> Incoming | None:
    message = query.message
    kind = None if message is None else _KINDS.get(message.chat.type)
    if message is None or kind is None or not query.data:
        return None
    return Incoming(
        update_id=update_id, user_id=query.from_user.id,
        display_name=query.from_user.full_name, chat_id=message.chat.id, chat_kind=kind,
        action=query.data, callback_id=query.id, message_id=message.message_id,
        thread_id=_thread(message) if isinstance(message, Message) else None)


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def _mentions(message: Message, text: str, me: BotIdentity) -> bool:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        return True
    return f"@{me.username}".casefold() in text.casefold()


async def to_event(session: AsyncSession, incoming: Incoming, me: BotIdentity) -> Event:
    identity = await identify(
        session=session, platform=PLATFORM, user_id=str(incoming.user_id),
        display_name=incoming.display_name, chat_kind=incoming.chat_kind,
        platform_chat_id=str(incoming.chat_id))
    text = clean_text(incoming.text)
    command = None if incoming.action is not None else parse_command(
        text, bot_username=me.username)
    return Event(
        platform=PLATFORM, school=identity.school, sender=identity.sender, chat=identity.chat,
        text=text, command=command[0] if command else None,
        args=command[1] if command else "", action=incoming.action,
        mentions_bot=incoming.mentions_bot, update_key=incoming.key)
