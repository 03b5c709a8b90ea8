"""The Telegram platform (python-telegram-bot v22): updates in, Bot API calls out.

It only converts. An update becomes an :class:`~bot.inbound.Inbound`
(:mod:`bot.platforms.telegram_events`) for the inbound pipeline, which records,
identifies, dispatches and queues the replies in one transaction (:mod:`bot.inbound`);
the replies become Bot API calls (:mod:`bot.platforms.telegram_send`). What is left
here is what only Telegram has:

- a button press is answered (the spinner stops), with the handler's notice, if any,
  as a pop-up; in a private chat the pressed keyboard is removed so a choice can't
  be sent twice;
- updates arrive by webhook (:meth:`TelegramAdapter.webhook`, ``policybot serve``:
  answered as soon as the update is committed, replies sent after) or long polling
  (:meth:`TelegramAdapter.receive`, ``policybot run``: an update is acknowledged to
  Telegram, by the next call's offset, only once handled);
- :class:`TelegramMessenger` sends the outbox: private messages, group messages and
  replies. Telegram refuses (403) to message someone who never started the bot: the
  pipeline's fallback note then goes to the group instead;
- a photo or document sent in a private chat is downloaded (``getFile``, up to
  :data:`FETCH_LIMIT`) before the update goes to the pipeline, so a handler can keep
  it (a report's evidence); nothing sent in a group is ever downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot.app import App
from bot.delivery import Deliverer, Replier
from bot.inbound import Capabilities, Handled, Inbound, Outcome, Pipeline
from bot.log_limits import EveryFewSeconds
from bot.platforms import registry
from bot.platforms.base import PlatformPlugin, PlatformSetupError, Route
from bot.platforms.telegram_events import PLATFORM, BotIdentity, Press, Received, read_update
from bot.platforms.telegram_messenger import TelegramMessenger
from bot.platforms.telegram_send import Sleep, retry_after_seconds
from bot.settings import Settings
from handlers.events import Attachment, ChatKind
from handlers.replies import Visibility
from handlers.router import Where

__all__ = ["ALLOWED_UPDATES", "PLATFORM", "PLUGIN", "SECRET_HEADER", "TelegramAdapter",
           "TelegramMessenger", "build_bot", "file_url"]

log = logging.getLogger(__name__)
TelegramBot = ExtBot[int]
ALLOWED_UPDATES = ("message", "callback_query")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REPLY_WAIT = 30.0  # longest 429 wait sat out while answering someone
POLL_TIMEOUT = 30  # seconds a getUpdates long poll waits for something to arrive
POLL_ERROR_PAUSE = 5.0  # seconds before polling again after an error
POLL_ATTEMPTS = 5  # times a polled update that fails is tried before it is skipped
CAPABILITIES = Capabilities(notices=True)
FETCH_LIMIT = 20 * 1024 * 1024  # the Bot API's getFile limit
FETCHED_KINDS = frozenset({"photo", "document"})


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
                  rate_limiter=AIORateLimiter(max_retries=0) if settings.flood_control
                  else None)


class TelegramAdapter:
    """A started Telegram bot: the webhook endpoint, the poller and the messenger."""

    name = PLATFORM

    def __init__(self, app: App, bot: TelegramBot, *, reply_wait: float = REPLY_WAIT,
                 sleep: Sleep = asyncio.sleep, wake: Callable[[], None] | None = None,
                 deliver_at_once: bool = False) -> None:
        self.app = app
        self.bot = bot
        self._sleep = sleep
        self.deliver_at_once = deliver_at_once
        self.messenger: Replier = TelegramMessenger(app, bot, reply_wait=reply_wait,
                                                      sleep=sleep)
        deliverer = Deliverer(app.services, [self.messenger], concurrency=8,
                              lease=app.settings.delivery_lease, metrics=app.metrics)
        self.pipeline = Pipeline(app, deliverer, CAPABILITIES, wake,
                                 registry.home_platforms(app.settings))
        self._me: BotIdentity | None = None
        self._refusals = EveryFewSeconds(log)

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        """Connect (``getMe``) and publish the command lists for groups and private chats."""
        try:
            await self.bot.initialize()
        except InvalidToken:  # PTB's message quotes the token: don't chain it
            raise PlatformSetupError(
                "Telegram rejected TELEGRAM_BOT_TOKEN: copy it again from @BotFather") from None
        except TelegramError as exc:
            raise PlatformSetupError(f"cannot reach the Telegram Bot API: {exc}") from None
        self._me = BotIdentity(self.bot.id, self.bot.username)
        await self._publish_commands()

    async def close(self) -> None:
        await self.pipeline.settled()
        await self.bot.shutdown()

    async def settled(self) -> None:
        await self.pipeline.settled()

    @property
    def me(self) -> BotIdentity:
        if self._me is None:
            raise RuntimeError("TelegramAdapter.start() has not been awaited")
        return self._me

    async def _publish_commands(self) -> None:
        router = self.app.router
        try:
            for where, scope in ((Where.GROUPS, BotCommandScopeAllGroupChats()),
                                 (Where.PRIVATE, BotCommandScopeAllPrivateChats())):
                await self.bot.set_my_commands(
                    [BotCommand(c.name, c.summary[:256]) for c in router.commands
                     if c.where & where], scope=scope)
        except TelegramError as exc:
            log.warning("could not publish the command lists to Telegram: %s", exc)

    async def serving(self) -> None:
        """Register the webhook, when TELEGRAM_WEBHOOK_URL says where it is."""
        settings = self.app.settings
        if settings.telegram_webhook_url is None or settings.telegram_webhook_secret is None:
            log.info("TELEGRAM_WEBHOOK_URL is not set: register the webhook yourself "
                     "(see the README, section Telegram)")
            return
        try:
            await self.bot.set_webhook(settings.telegram_webhook_url,
                                       secret_token=settings.telegram_webhook_secret
                                       .get_secret_value(),
                                       allowed_updates=list(ALLOWED_UPDATES))
        except TelegramError as exc:
            raise PlatformSetupError(f"Telegram refused the webhook "
                                     f"(TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET): "
                                     f"{exc}") from None
        log.info("Telegram webhook registered for @%s", self.me.username)

    # -- the webhook ---------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        return [Route("POST", "/telegram", self.webhook)]

    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /telegram``. Only Telegram, which knows TELEGRAM_WEBHOOK_SECRET, gets in
        (403). A body that isn't a JSON object is refused (400, 415); a JSON object that
        isn't an update the bot can use is acknowledged and ignored (Telegram would
        otherwise resend it for good). An update is answered once its state change is
        committed (200), or 500 if the database failed, so Telegram delivers it again."""
        if not self._secret_matches(request):
            self._refusals.warning("telegram webhook: refused a request without the right "
                                   "secret token")
            return web.Response(status=403, text="forbidden")
        if request.content_type != "application/json":
            return web.Response(status=415, text="expected application/json")
        data = await _json_object(request)
        if data is None:
            self._refusals.warning("telegram webhook: refused a body that is not a JSON object")
            return web.Response(status=400, text="not a JSON object")
        try:
            outcome = await self.handle(data)
        except _Unusable as exc:
            self._refusals.warning("telegram webhook: ignored an unusable update (%s)", exc)
            return web.Response(text="ignored")
        except Exception:
            log.exception("telegram webhook: an update failed; Telegram will deliver it again")
            return web.Response(status=500, text="failed")
        return web.Response(text=outcome.value)

    def _secret_matches(self, request: web.Request) -> bool:
        expected = self.app.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER)
        if expected is None or given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                   expected.get_secret_value().encode())

    # -- one update ----------------------------------------------------------------
    async def handle(self, data: dict[str, Any] | Update, *, at_once: bool = False) -> Outcome:
        """Handle one update once. Raises if the database failed (nothing was recorded:
        handle it again when Telegram redelivers it). The replies are sent before this
        returns if ``at_once`` (or the adapter was made to), else in the background."""
        received = self._read(data)
        if received is None:
            return Outcome.IGNORED
        handled = await self.pipeline.handle(await self._fetched(received.inbound))
        if received.press is not None and handled.outcome is Outcome.HANDLED:
            await self._answer_press(received.press, handled)
        if at_once or self.deliver_at_once:
            await self.pipeline.deliver(handled)
        else:
            self.pipeline.deliver_soon(handled)
        return handled.outcome

    def _read(self, data: dict[str, Any] | Update) -> Received | None:
        try:
            update = data if isinstance(data, Update) else Update.de_json(data, self.bot)
            return read_update(update, self.me)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            raise _Unusable(type(exc).__name__) from None

    async def _fetched(self, inbound: Inbound) -> Inbound:
        """The update with the content of its private photos and documents."""
        if inbound.chat_kind is not ChatKind.PRIVATE or not inbound.attachments:
            return inbound
        fetched = [await self._fetch(a) for a in inbound.attachments]
        return dataclasses.replace(inbound, attachments=tuple(fetched))

    async def _fetch(self, attachment: Attachment) -> Attachment:
        if (attachment.kind not in FETCHED_KINDS or not attachment.ref
                or (attachment.size or 0) > FETCH_LIMIT):
            return attachment
        try:
            file = await self.bot.get_file(attachment.ref)
            content = bytes(await file.download_as_bytearray())
        except TelegramError as exc:  # too big, gone, or the network: the handler says so
            log.info("could not fetch a %s from Telegram: %s", attachment.kind,
                     type(exc).__name__)
            return attachment
        return dataclasses.replace(attachment, content=content, size=len(content))

    async def _answer_press(self, press: Press, handled: Handled) -> None:
        notice = next((r.message.text for r in handled.immediate
                       if r.visibility is Visibility.NOTICE), None)
        try:
            await self.bot.answer_callback_query(press.callback_id, text=notice,
                                                 show_alert=notice is not None)
        except BadRequest as exc:  # too old to answer: carry on regardless
            log.info("could not answer a button press: %s", exc)
        except TelegramError as exc:
            log.warning("could not answer a button press: %s", exc)
        if press.chat_id > 0:  # a private chat: the choice can't be made twice
            try:
                await self.bot.edit_message_reply_markup(chat_id=press.chat_id,
                                                         message_id=press.message_id)
            except TelegramError as exc:  # already removed, or the message is gone
                log.info("could not remove a pressed keyboard: %s", exc)

    # -- polling -------------------------------------------------------------------
    async def receive(self, stop: asyncio.Event) -> None:
        """Long-poll ``getUpdates`` (after removing any webhook) until ``stop`` is set,
        handling updates one at a time, in order.

        An update is acknowledged to Telegram (the next call's ``offset``) only once it
        was handled, so a poller killed mid-update gets it again when restarted, and
        one that failed is fetched and handled again after a pause (at most
        :data:`POLL_ATTEMPTS` times). Stopping abandons a long poll under way (what it
        would have returned stays unacknowledged) but finishes the update in hand."""
        log.info("Telegram: polling as @%s", self.me.username)
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
            await self.handle(update, at_once=True)
        except _Unusable as exc:
            log.warning("telegram update %s is unusable (%s); skipping it", update.update_id,
                        exc)
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


class _Unusable(Exception):
    """An authenticated body that isn't an update the bot can read."""


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        data = json.loads(await request.text())
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


class TelegramPlugin:
    name = PLATFORM
    web_paths = ("/telegram",)
    unconfigured = ("Telegram is not configured here: set TELEGRAM_BOT_TOKEN and "
                    "TELEGRAM_WEBHOOK_SECRET.")

    def configured(self, settings: Settings) -> bool:
        return settings.telegram_bot_token is not None

    def problems(self, settings: Settings, *, serving: bool) -> list[str]:
        if serving and settings.telegram_webhook_secret is None:
            return ["TELEGRAM_WEBHOOK_SECRET must be set to take Telegram webhooks (any long "
                    "random string; see the README, section Telegram)."]
        return []

    @contextlib.asynccontextmanager
    async def messenger(self, app: App) -> AsyncIterator[Replier]:
        bot = build_bot(app.settings)
        async with bot:
            yield TelegramMessenger(app, bot)

    async def start(self, app: App, *, wake: Callable[[], None] | None,
                    serving: bool) -> TelegramAdapter:
        adapter = TelegramAdapter(app, build_bot(app.settings), wake=wake,
                                  deliver_at_once=not serving)
        await adapter.start()
        return adapter


PLUGIN: PlatformPlugin = TelegramPlugin()
