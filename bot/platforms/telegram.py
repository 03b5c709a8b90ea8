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
- every update is claimed in the database first (:mod:`storage.updates`) and the
  claim completed once its replies were sent, so one delivered twice (webhook retry,
  restarted poller, two workers) is handled once; if handling fails the claim is
  released, and a worker killed mid-update leaves a lease that expires, so the
  redelivered update is handled again rather than lost. A poller acknowledges an
  update to Telegram only once it is handled, and takes over an unfinished claim at
  once (Telegram lets only one poller run);
- a caption is read as the message's text; a photo, file or voice note with none (in
  private, or a reply to the bot in a group) is answered with a note that the bot
  only reads text, and nothing else happens.

Updates arrive by webhook (``policybot serve``, :mod:`bot.server`) or long polling
(:meth:`TelegramAdapter.poll`, ``policybot run``). :class:`TelegramMessenger`
delivers the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
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
from telegram.ext import AIORateLimiter, ExtBot

from bot.app import App
from bot.delivery import RateLimit, RetryLater
from bot.platforms.telegram_events import PLATFORM, BotIdentity, Incoming, read_update, to_event
from bot.platforms.telegram_send import Sender, Sleep, Target, retry_after_seconds
from bot.settings import Settings
from handlers.events import ChatKind, Event
from handlers.replies import Message, Reply, open_private, say, whisper
from handlers.router import Router, Where
from storage import directory, updates
from storage.models import Chat, Person

__all__ = ["ALLOWED_UPDATES", "PLATFORM", "Outcome", "TelegramAdapter", "TelegramMessenger",
           "TelegramSetupError", "build_bot", "file_url"]

log = logging.getLogger(__name__)
TelegramBot = ExtBot[int]
ALLOWED_UPDATES = ("message", "callback_query")
REPLY_WAIT = 30.0  # longest 429 wait sat out while answering someone
KEEP_UPDATES = dt.timedelta(days=3)
PRUNE_EVERY = dt.timedelta(hours=1)
POLL_TIMEOUT = 30  # seconds a getUpdates long poll waits for something to arrive
POLL_ERROR_PAUSE = 5.0  # seconds before polling again after an error
POLL_ATTEMPTS = 5  # times a polled update that fails is tried before it is skipped
START_FIRST = ("{name}, I can't message you privately until you start a chat with me: press "
               "the button, then Start, and try again.")
TEXT_ONLY = ("I can only read text for now, so I can't see photos, screenshots, files or "
             "voice messages. If it's evidence for a report, describe it in words or paste a "
             "link to it instead. Nothing else has changed: carry on where you were.")
TEXT_ONLY_GROUP = ("I can only read text for now, so I can't see photos, files or voice "
                   "messages. Please type your message instead.")
CAPTION_ONLY = ("I can only read text for now: I've read your caption, but I can't see the "
                "photo, file or recording it came with. If it's evidence for a report, "
                "describe it in words or paste a link to it instead.")


class Outcome(enum.Enum):
    """What became of one update."""

    HANDLED = "handled"
    IGNORED = "ignored"  # not for the bot
    DUPLICATE = "duplicate"  # already handled
    BUSY = "busy"  # another worker is handling it now: deliver it again later


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
        self._sleep = sleep
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
        handling updates one at a time, in order.

        An update is acknowledged to Telegram (the next call's ``offset``) only once it
        was handled, so a poller killed mid-update gets it again when restarted, and
        one that failed is fetched and handled again after a pause (at most
        :data:`POLL_ATTEMPTS` times). Stopping abandons a long poll under way (what it
        would have returned stays unacknowledged) but finishes the update in hand."""
        await self.bot.delete_webhook()
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            batch = await self._next_updates(stop, offset)
            for update in batch or ():
                if stop.is_set():
                    break
                if await self._handle_polled(update, failures):
                    offset, failures = update.update_id + 1, 0
                else:
                    failures += 1
                    await self._pause(stop, min(2.0 ** failures, 30.0))
                    break
        if offset is not None:
            with contextlib.suppress(TelegramError):  # else they come again, as duplicates
                await self.bot.get_updates(offset=offset, limit=1, timeout=0,
                                           allowed_updates=list(ALLOWED_UPDATES))

    async def _next_updates(self, stop: asyncio.Event,
                            offset: int | None) -> Sequence[Update] | None:
        """The next updates from ``offset`` on; None when stopped or after an error
        (paused for)."""
        fetch = asyncio.ensure_future(self.bot.get_updates(
            offset=offset, timeout=POLL_TIMEOUT, allowed_updates=list(ALLOWED_UPDATES)))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            return None
        try:
            return fetch.result()
        except RetryAfter as exc:
            await self._pause(stop, retry_after_seconds(exc))
        except InvalidToken:
            raise
        except TelegramError as exc:  # network trouble, or another poller (Conflict)
            log.warning("telegram getUpdates failed (%s); trying again", exc)
            await self._pause(stop, POLL_ERROR_PAUSE)
        return None

    async def _handle_polled(self, update: Update, failures: int) -> bool:
        """Handle one polled update; False if it failed and should be fetched again."""
        try:
            await self.handle(update, take_over=True)
        except Exception:
            if failures + 1 < POLL_ATTEMPTS:
                log.exception("telegram update %s failed; trying it again shortly",
                              update.update_id)
                return False
            log.exception("telegram update %s failed %s times; giving up on it",
                          update.update_id, POLL_ATTEMPTS)
        return True

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait ``seconds`` (with the adapter's ``sleep``), or until ``stop`` is set."""
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeping, stopping):
            task.cancel()

    # -- one update --------------------------------------------------------------
    async def handle_json(self, data: dict[str, Any]) -> Outcome:
        """A webhook body."""
        update = Update.de_json(data, self.bot)
        return await self.handle(update)

    async def handle(self, update: Update, *, take_over: bool = False) -> Outcome:
        """Handle one update once. Raises if handling failed; the claim is then released,
        so the update is handled again when Telegram delivers it again. ``take_over``
        takes an update another worker left unfinished without waiting for its lease
        to expire (polling: only one poller runs, so that worker is gone)."""
        incoming = read_update(update, self.me)
        if incoming is None:
            return Outcome.IGNORED
        claim = await self._claim(incoming, take_over=take_over)
        if claim.outcome == updates.DONE:
            log.info("telegram update %s was already handled", incoming.update_id)
            return Outcome.DUPLICATE
        if claim.outcome == updates.BUSY:
            log.info("telegram update %s is being handled by another worker",
                     incoming.update_id)
            return Outcome.BUSY
        assert claim.holder is not None
        try:
            await self._handle_claimed(incoming)
        except BaseException:  # failed, or cancelled mid-update: let a redelivery redo it
            await self._settle(incoming, claim.holder, handled=False)
            raise
        await self._settle(incoming, claim.holder, handled=True)
        if self.on_handled is not None:
            self.on_handled()
        return Outcome.HANDLED

    async def _handle_claimed(self, incoming: Incoming) -> None:
        if incoming.unreadable:  # nothing to read: say so, change nothing
            note = TEXT_ONLY if incoming.chat_kind is ChatKind.PRIVATE else TEXT_ONLY_GROUP
            await self._send_replies(incoming, [say(note)])
            return
        async with self.app.services.db.session() as session:
            event = await to_event(session, incoming, self.me)
        if incoming.callback_id is not None:
            await self._handle_press(incoming, event)
            return
        replies = await self.app.router.dispatch(self.app.services, event)
        if incoming.attachment and incoming.chat_kind is ChatKind.PRIVATE:
            replies = [whisper(CAPTION_ONLY), *replies]
        await self._send_replies(incoming, replies)

    def _claim_key(self, incoming: Incoming) -> str:
        return f"{self.me.id}:{incoming.update_id}"

    async def _claim(self, incoming: Incoming, *, take_over: bool) -> updates.Claim:
        now = self.app.services.now()
        async with self.app.services.db.session() as session:
            claim = await updates.claim(session=session, platform=PLATFORM,
                                        key=self._claim_key(incoming), now=now,
                                        take_over=take_over)
            if claim and (self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY):
                await updates.prune(session=session, before=now - KEEP_UPDATES)
                self._pruned_at = now
        return claim

    async def _settle(self, incoming: Incoming, holder: str, *, handled: bool) -> None:
        """Complete the claim, or release it. If the database can't be told, the claim's
        lease runs out instead (and a redelivery after that is handled)."""
        settle = updates.complete if handled else updates.release
        try:
            async with self.app.services.db.session() as session:
                held = await settle(session=session, platform=PLATFORM,
                                    key=self._claim_key(incoming), holder=holder)
        except Exception:
            log.exception("could not %s the claim on telegram update %s",
                          "complete" if handled else "release", incoming.update_id)
            return
        if not held:
            log.warning("telegram update %s: the claim had expired and was taken over",
                        incoming.update_id)

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
