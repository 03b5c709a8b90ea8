"""Telegram updates → what the inbound pipeline takes.

:func:`read_update` is pure: it picks out of an update who, where and what they typed
or pressed, as an :class:`~bot.inbound.Inbound`, or None for updates the bot does not
act on (channel posts, edits, service messages, other bots, and in a group anything
without text not addressed to the bot). A caption counts as the message's text; a
photo, file, voice note or sticker comes as an attachment.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Chat, Message, Update

from bot.inbound import Inbound
from handlers.events import Attachment, ChatKind

__all__ = ["PLATFORM", "BotIdentity", "Press", "Received", "read_update"]

PLATFORM = "telegram"
_KINDS = {Chat.PRIVATE: ChatKind.PRIVATE, Chat.GROUP: ChatKind.GROUP,
          Chat.SUPERGROUP: ChatKind.GROUP}


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


@dataclass(frozen=True, slots=True)
class Press:
    """A button press, which Telegram wants answered (the spinner stops)."""

    callback_id: str
    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Received:
    inbound: Inbound
    press: Press | None = None


def read_update(update: Update, me: BotIdentity) -> Received | None:
    """Raises TypeError for an update whose fields are of the wrong kinds (PTB builds
    objects from whatever JSON it is given)."""
    _check(update)
    key = f"{me.id}:{update.update_id}"
    if update.callback_query is not None:
        return _from_callback(key, update.callback_query, me)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    kind = _KINDS.get(message.chat.type)
    text = message.text if message.text is not None else message.caption
    attachments = _attachments(message) if message.text is None else ()
    if kind is None or (text is None and not attachments):
        return None
    mentions = _mentions(message, text or "", me)
    if text is None and kind is ChatKind.GROUP and not mentions:
        return None  # a photo in the group's conversation, not for the bot
    return Received(Inbound(
        platform=PLATFORM, key=key, user_id=str(message.from_user.id),
        display_name=message.from_user.full_name, chat_id=str(message.chat.id),
        chat_kind=kind, text=text or "", thread=_thread(message), mentions_bot=mentions,
        attachments=attachments, bot_username=me.username))


def _from_callback(key: str, query: CallbackQuery, me: BotIdentity) -> Received | None:
    message = query.message
    kind = None if message is None else _KINDS.get(message.chat.type)
    if message is None or kind is None or not query.data:
        return None
    inbound = Inbound(
        platform=PLATFORM, key=key, user_id=str(query.from_user.id),
        display_name=query.from_user.full_name, chat_id=str(message.chat.id), chat_kind=kind,
        action=query.data, bot_username=me.username,
        thread=_thread(message) if isinstance(message, Message) else None)
    return Received(inbound, Press(query.id, message.chat.id, message.message_id))


def _attachments(message: Message) -> tuple[Attachment, ...]:
    if message.photo:
        best = message.photo[-1]  # the largest size
        return (Attachment("photo", best.file_id, None, "image/jpeg", best.file_size),)
    for kind in ("document", "video", "voice", "audio", "sticker", "animation", "video_note"):
        found = getattr(message, kind, None)
        if found is not None:
            return (Attachment(kind, found.file_id, getattr(found, "file_name", None),
                               getattr(found, "mime_type", None), found.file_size),)
    if message.effective_attachment is not None:  # a contact, a location, a poll…
        return (Attachment("other", ""),)
    return ()


def _thread(message: Message) -> str | None:
    return str(message.message_thread_id) if message.is_topic_message else None


def _mentions(message: Message, text: str, me: BotIdentity) -> bool:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
        return True
    return f"@{me.username}".casefold() in text.casefold()


def _check(update: Update) -> None:
    """The fields the bot relies on are what the Bot API says they are."""
    message = update.message or (update.callback_query.message if update.callback_query
                                 else None)
    people = [m.from_user for m in (update.message,) if m is not None]
    if update.callback_query is not None:
        people.append(update.callback_query.from_user)
    texts = ([update.message.text, update.message.caption] if update.message else []) + (
        [update.callback_query.data] if update.callback_query else [])
    if (not isinstance(update.update_id, int)
            or any(p is not None and not isinstance(p.id, int) for p in people)
            or (message is not None and not isinstance(message.chat.id, int))
            or any(t is not None and not isinstance(t, str) for t in texts)):
        raise TypeError("an update field is of the wrong kind")
