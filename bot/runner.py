"""Long-running platform connections, shared by ``policybot run`` and ``policybot serve``.

:func:`started_platforms` starts every platform whose token is set and the outbox
delivery loop (:class:`OutboxPump`), and stops them again. ``policybot run`` then
long-polls Telegram (:func:`run_platforms`); ``policybot serve`` takes webhooks
instead (:mod:`bot.server`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import typer

from bot.app import App, build_app
from bot.delivery import Deliverer, Messenger
from bot.platforms.telegram import TelegramAdapter, TelegramMessenger, TelegramSetupError, build_bot
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from bot.startup import platforms_configured, starting_line

__all__ = ["OutboxPump", "Platforms", "run_platforms", "run_polling", "started_platforms"]

log = logging.getLogger(__name__)
DELIVERY_INTERVAL = 15.0  # seconds between outbox passes when nothing wakes the pump
PASS_FINISH_TIMEOUT = 5.0  # seconds a delivery pass under way may take to finish at stop


class OutboxPump:
    """Delivers the outbox in the background: at once when woken (after each handled
    update) and every ``interval`` seconds (retries, and rows other workers queued).
    :meth:`stop` lets a delivery pass under way finish."""

    def __init__(self, deliverer: Deliverer, *, interval: float = DELIVERY_INTERVAL) -> None:
        self.deliverer = deliverer
        self.interval = interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        """Run in the background (call from inside the event loop)."""
        self._task = asyncio.create_task(self.run(), name="outbox-pump")

    async def stop(self, finish_within: float = PASS_FINISH_TIMEOUT) -> None:
        """Stop after the pass under way (cancelled if it takes over ``finish_within`` s:
        the rows it had claimed are sent later, when their lease expires)."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), finish_within)
        except TimeoutError:
            log.warning("outbox delivery still busy after %.0fs: stopping it", finish_within)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliverer.deliver_due()
            except Exception:
                log.exception("outbox delivery pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)


@dataclass(frozen=True)
class Platforms:
    telegram: TelegramAdapter | None
    pump: OutboxPump | None


@contextlib.asynccontextmanager
async def started_platforms(application: App) -> AsyncIterator[Platforms]:
    """Start each platform whose token is set, and the delivery loop; stop them after."""
    settings = application.settings
    quiet_http_logs()
    telegram = None
    messengers: list[Messenger] = []
    if settings.telegram_bot_token is not None:
        bot = build_bot(settings)
        telegram = TelegramAdapter(application, bot)
        try:
            await telegram.start()
        except TelegramSetupError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(code=2) from None
        messengers.append(TelegramMessenger(application, bot))
    pump = (OutboxPump(Deliverer(application.services, messengers, concurrency=8))
            if messengers else None)
    if pump is not None:
        pump.start()
    if telegram is not None and pump is not None:
        telegram.on_handled = pump.wake
    reminders = ReminderScheduler(application.services, wake=pump.wake if pump else None)
    reminders.start()
    try:
        yield Platforms(telegram, pump)
    finally:
        await reminders.stop()
        if pump is not None:
            await pump.stop()
        if telegram is not None:
            await telegram.stop()


def quiet_http_logs() -> None:
    """httpx logs every request's URL at INFO, and a Bot API URL contains the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def run_polling(application: App, stop: asyncio.Event) -> None:
    """Poll every platform that polls (Telegram) until ``stop`` is set."""
    async with started_platforms(application) as platforms:
        if platforms.telegram is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        log.info("Telegram: polling as @%s", platforms.telegram.me.username)
        await platforms.telegram.poll(stop)


async def run_platforms(settings: Settings) -> None:
    """``policybot run`` with platform tokens: poll until SIGINT or SIGTERM."""
    if settings.telegram_bot_token is None:
        typer.echo("Slack Socket Mode arrives with the Slack platform feature; set "
                   "TELEGRAM_BOT_TOKEN, or unset the tokens to use the console platform.",
                   err=True)
        raise typer.Exit(code=2)
    if settings.slack_app_token is not None:
        log.warning("SLACK_APP_TOKEN is set, but Slack Socket Mode is not available yet: "
                    "running Telegram only")
    application = await build_app(settings)
    log.info(starting_line(settings, [s.slug for s in application.services.config.schools],
                           platforms_configured(settings)))
    try:
        await run_polling(application, stop_on_signals())
    finally:
        await application.close()


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so the bot stops cleanly (e.g. ``docker stop``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
