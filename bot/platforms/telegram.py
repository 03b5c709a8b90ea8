"""The Telegram platform (python-telegram-bot v22): updates in, Bot API calls out.

It only translates. An update becomes one neutral :class:`~handlers.events.Event`
(:mod:`bot.platforms.telegram_events`), the router handles it, and the neutral
replies become Bot API calls (:mod:`bot.platforms.telegram_send`):

- a reply goes to the chat the update came from, or, when private, to the
  sender's private chat. Telegram refuses (403) to message someone who never
  started the bot: the private text is then dropped, never shown in the group;
  the group keeps the handler's pointer with its deep-link button, or gets a short
  "start a chat with me first" note with one;
- a button press is answered (the spinner stops); a button the bot no longer
  knows says so in a pop-up; in a private chat the pressed keyboard is removed so
  a choice can't be sent twice;
- every update is claimed in the database first (:mod:`storage.updates`), so one
  delivered twice (webhook retry, restarted poller, two workers) is handled once.

Updates arrive by webhook (``policybot serve``, :mod:`bot.server`) or long polling
(:meth:`TelegramAdapter.poll`, ``policybot run``). :class:`TelegramMessenger`
delivers the outbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot, Updater

from bot.app import App
from bot.delivery import RateLimit, RetryLater
from bot.platforms.telegram_events import PLATFORM, BotIdentity, Incoming, read_update, to_event
from bot.platforms.telegram_send import Sender, Sleep, Target, retry_after_seconds
from bot.settings import Settings
from handlers.events import ChatKind, Event
from handlers.replies import Message, Reply, open_private
from handlers.router import Router, Where
from storage import directory, updates
from storage.models import Chat, Person

__all__ = ["ALLOWED_UPDATES", "PLATFORM", "TelegramAdapter", "TelegramMessenger",
           "TelegramSetupError", "build_bot", "file_url"]

log = logging.getLogger(__name__)
TelegramBot = ExtBot[int]
ALLOWED_UPDATES = ("message", "callback_query")
REPLY_WAIT = 30.0  # longest 429 wait sat out while answering someone
KEEP_UPDATES = dt.timedelta(days=3)
PRUNE_EVERY = dt.timedelta(hours=1)
_END = object()  # tells the polling consumer to finish
START_FIRST = ("{name}, I can't message you privately until you start a chat with me: press "
               "the button, then Start, and try again.")


class TelegramSetupError(Exception):
    """Telegram can't be reached with these settings (a rejected token, a wrong URL).
    The message is safe to show: it never contains the token."""


def file_url(api_url: str) -> str:
    """The file-download URL that goes with an API URL (``…/bot`` → ``…/file/bot``)."""
    base, found, _ = api_url.rpartition("/bot")
    return f"{base}/file/bot" if found else api_url


def build_bot(settings: Settings) -> TelegramBot:
    """A bot on TELEGRAM_API_URL, within Telegram's flood limits (~30 messages a second
    overall, 20 a minute per group); 429s are handled by the caller, not retried here."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return ExtBot(settings.telegram_bot_token.get_secret_value(),
                  base_url=settings.telegram_api_url,
                  base_file_url=file_url(settings.telegram_api_url),
                  rate_limiter=AIORateLimiter(max_retries=0))


def bot_commands(router: Router, where: Where) -> list[BotCommand]:
    return [BotCommand(c.name, c.summary[:256]) for c in router.commands if c.where & where]


class TelegramAdapter:
    def __init__(self, app: App, bot: TelegramBot, *, reply_wait: float = REPLY_WAIT,
                 sleep: Sleep = asyncio.sleep,
                 on_handled: Callable[[], None] | None = None) -> None:
        self.app = app
        self.bot = bot
        self.sender = Sender(bot, wait_up_to=reply_wait, sleep=sleep)
        self.on_handled = on_handled
        self._me: BotIdentity | None = None
        self._pruned_at: dt.datetime | None = None

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        """Connect (``getMe``) and publish the command lists for groups and private chats."""
        try:
            await self.bot.initialize()
        except InvalidToken:  # PTB's message quotes the token: don't chain it
            raise TelegramSetupError(
                "Telegram rejected TELEGRAM_BOT_TOKEN: copy it again from @BotFather") from None
        except TelegramError as exc:
            raise TelegramSetupError(f"cannot reach the Telegram Bot API: {exc}") from None
        self._me = BotIdentity(self.bot.id, self.bot.username)
        await self._publish_commands()

    async def stop(self) -> None:
        await self.bot.shutdown()

    @property
    def me(self) -> BotIdentity:
        if self._me is None:
            raise RuntimeError("TelegramAdapter.start() has not been awaited")
        return self._me

    async def _publish_commands(self) -> None:
        router = self.app.router
        try:
            await self.bot.set_my_commands(bot_commands(router, Where.GROUPS),
                                           scope=BotCommandScopeAllGroupChats())
            await self.bot.set_my_commands(bot_commands(router, Where.PRIVATE),
                                           scope=BotCommandScopeAllPrivateChats())
        except TelegramError as exc:
            log.warning("could not publish the command lists to Telegram: %s", exc)

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret,
                                   allowed_updates=list(ALLOWED_UPDATES))

    # -- polling -----------------------------------------------------------------
    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll ``getUpdates`` (after removing any webhook) until ``stop`` is set,
        handling updates one at a time, in order."""
        updater = Updater(self.bot, asyncio.Queue())
        await updater.initialize()
        queue = await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        consumer = asyncio.create_task(self._consume(queue))
        try:
            await stop.wait()
        finally:
            await updater.stop()  # no more updates; those fetched are finished first
            await queue.put(_END)
            await consumer

    async def _consume(self, queue: asyncio.Queue[object]) -> None:
        while (update := await queue.get()) is not _END:
            if isinstance(update, Update):
                await self.handle_safely(update)

    # -- one update --------------------------------------------------------------
    async def handle_json(self, data: dict[str, Any]) -> None:
        """A webhook body."""
        update = Update.de_json(data, self.bot)
        await self.handle(update)

    async def handle_safely(self, update: Update) -> None:
        try:
            await self.handle(update)
        except Exception:
            log.exception("telegram update %s failed", update.update_id)

    async def handle(self, update: Update) -> None:
        incoming = read_update(update, self.me)
        if incoming is None or not await self._claim(incoming):
            return
        async with self.app.services.db.session() as session:
            event = await to_event(session, incoming, self.me)
        if incoming.callback_id is not None:
            await self._handle_press(incoming, event)
        else:
            replies = await self.app.router.dispatch(self.app.services, event)
            await self._send_replies(incoming, replies)
        if self.on_handled is not None:
            self.on_handled()

    async def _claim(self, incoming: Incoming) -> bool:
        now = self.app.services.now()
        async with self.app.services.db.session() as session:
            claimed = await updates.claim(session=session, platform=PLATFORM,
                                          key=f"{self.me.id}:{incoming.update_id}", now=now)
            if claimed and (self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY):
                await updates.prune(session=session, before=now - KEEP_UPDATES)
                self._pruned_at = now
        if not claimed:
            log.info("telegram update %s was already handled", incoming.update_id)
        return claimed

    async def _handle_press(self, incoming: Incoming, event: Event) -> None:
        assert incoming.callback_id is not None
        refusal = self.app.router.match(event).refusal
        await self._answer_press(incoming.callback_id, refusal)
        if incoming.chat_kind is ChatKind.PRIVATE:
            await self._remove_keyboard(incoming)
        if refusal is None:
            replies = await self.app.router.dispatch(self.app.services, event)
            await self._send_replies(incoming, replies)

    async def _answer_press(self, callback_id: str, refusal: str | None) -> None:
        try:
            await self.bot.answer_callback_query(callback_id, text=refusal,
                                                 show_alert=refusal is not None)
        except BadRequest as exc:  # too old to answer: carry on regardless
            log.info("could not answer a button press: %s", exc)

    async def _remove_keyboard(self, incoming: Incoming) -> None:
        try:
            await self.bot.edit_message_reply_markup(chat_id=incoming.chat_id,
                                                     message_id=incoming.message_id)
        except BadRequest as exc:  # already removed, or the message is gone
            log.info("could not remove a pressed keyboard: %s", exc)

    # -- replies -----------------------------------------------------------------
    async def _send_replies(self, incoming: Incoming, replies: Sequence[Reply]) -> None:
        unreachable = False
        for reply in replies:
            try:
                await self.sender.send(self._target(incoming, reply), reply.message)
            except Forbidden:
                unreachable = unreachable or reply.private
                log.info("telegram refused a %s reply to update %s",
                         "private" if reply.private else "chat", incoming.update_id)
            except TelegramError as exc:
                log.warning("telegram reply to update %s failed: %s", incoming.update_id, exc)
        if unreachable and incoming.chat_kind is ChatKind.GROUP and not _points_private(replies):
            await self._ask_to_start(incoming)

    def _target(self, incoming: Incoming, reply: Reply) -> Target:
        if reply.private or incoming.chat_kind is ChatKind.PRIVATE:
            return Target(incoming.user_id)
        return Target(incoming.chat_id, incoming.thread_id)

    async def _ask_to_start(self, incoming: Incoming) -> None:
        first_name = incoming.display_name.split(" ")[0] or "Hello"
        note = Message(START_FIRST.format(name=first_name),
                       (open_private("Start a chat with me", ""),))
        try:
            await self.sender.send(Target(incoming.chat_id, incoming.thread_id), note)
        except TelegramError as exc:
            log.warning("telegram note to update %s failed: %s", incoming.update_id, exc)


def _points_private(replies: Sequence[Reply]) -> bool:
    """Whether a chat reply already carries a button to the private chat."""
    return any(not r.private and any(b.action.startswith("open:") for b in r.message.buttons)
               for r in replies)


class TelegramMessenger:
    """The outbox's Telegram side: private messages to people, messages to groups.

    Returns False when the person or chat has no Telegram id, or Telegram refuses
    (403: never started the bot, or the bot was removed from the group), so another
    platform may reach them; a 429 becomes :class:`~bot.delivery.RetryLater`.
    """

    platform = PLATFORM
    rate_limit = RateLimit(per_second=30, per_chat_per_second=1)

    def __init__(self, app: App, bot: TelegramBot) -> None:
        self.app = app
        self.sender = Sender(bot)

    async def to_person(self, person: Person, message: Message) -> bool:
        assert person.id is not None
        async with self.app.services.db.session() as session:
            external = await directory.person_identity(session=session, person_id=person.id,
                                                       platform=PLATFORM)
        return external is not None and await self._send(external, message)

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        assert chat.id is not None
        async with self.app.services.db.session() as session:
            external = await directory.chat_identity(session=session, chat_id=chat.id,
                                                     platform=PLATFORM)
        return external is not None and await self._send(external, message)

    async def _send(self, external_id: str, message: Message) -> bool:
        chat_id: int | str = int(external_id) if external_id.lstrip("-").isdigit() else external_id
        try:
            await self.sender.send(Target(chat_id), message)
        except RetryAfter as exc:
            raise RetryLater(retry_after_seconds(exc), "Telegram flood control") from exc
        except Forbidden as exc:
            log.info("telegram refused an outbox message: %s", exc)
            return False
        return True
