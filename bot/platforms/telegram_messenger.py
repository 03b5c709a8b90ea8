"""The Telegram platform's outbound side: the outbox's private messages, group
messages and replies, as Bot API calls (:mod:`bot.platforms.telegram_send`)."""

from __future__ import annotations

import asyncio
import logging

from telegram.error import Forbidden, RetryAfter
from telegram.ext import ExtBot

from bot.app import App
from bot.delivery import Address, RateLimit, RetryLater
from bot.platforms.telegram_events import PLATFORM
from bot.platforms.telegram_send import Sender, Sleep, Target, retry_after_seconds
from handlers.replies import Message
from storage.models import Chat, Person

__all__ = ["FLOOD_LIMIT", "TelegramMessenger"]

log = logging.getLogger(__name__)
TelegramBot = ExtBot[int]
FLOOD_LIMIT = RateLimit(per_second=30, per_chat_per_second=1)


class TelegramMessenger:
    """The outbox's Telegram side. ``to_person``/``to_chat`` return False when the
    person or chat has no Telegram id, or Telegram refuses (403: never started the
    bot, or the bot was removed from the group), so another platform may reach them;
    a 429 becomes :class:`~bot.delivery.RetryLater`. Replies (``to_address``) sit out
    a short 429 first, as someone is waiting for them."""

    platform = PLATFORM

    def __init__(self, app: App, bot: TelegramBot, *, reply_wait: float = 0.0,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.app = app
        self.rate_limit = FLOOD_LIMIT if app.settings.flood_control else None
        self.sender = Sender(bot)
        self.replier = Sender(bot, wait_up_to=reply_wait, sleep=sleep)

    async def to_person(self, person: Person, message: Message) -> bool:
        assert person.id is not None
        external = self.app.services.directory.person_id_on(person.id, PLATFORM)
        return external is not None and await self._send(self.sender, Target(external), message)

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        assert chat.id is not None
        external = self.app.services.directory.chat_id_on(chat.id, PLATFORM)
        return external is not None and await self._send(self.sender, Target(external), message)

    async def to_address(self, address: Address, message: Message) -> bool:
        thread = int(address.thread) if address.thread else None
        target = Target(address.chat, None if address.private else thread)
        return await self._send(self.replier, target, message)

    async def _send(self, sender: Sender, target: Target, message: Message) -> bool:
        try:
            await sender.send(_numeric(target), message)
        except RetryAfter as exc:
            raise RetryLater(retry_after_seconds(exc), "Telegram flood control") from exc
        except Forbidden as exc:
            log.info("telegram refused a message: %s", exc)
            return False
        return True


def _numeric(target: Target) -> Target:
    chat = target.chat_id
    if isinstance(chat, str) and chat.lstrip("-").isdigit():
        return Target(int(chat), target.thread_id)
    return target
