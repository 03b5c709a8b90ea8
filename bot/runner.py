"""Long-running platform connections, shared by ``policybot run`` and ``policybot serve``.

:func:`started_platforms` starts every registered platform whose tokens are set
(:mod:`bot.platforms.registry`), the outbox delivery loop (:class:`OutboxPump`) and
the reminder schedule, and stops them again. ``policybot run`` then receives updates
on every platform that can without a public URL (:func:`run_platforms`: Telegram long
polling, Slack Socket Mode); ``policybot serve`` takes webhooks instead
(:mod:`bot.server`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import typer

from bot.app import App, build_app
from bot.delivery import Deliverer
from bot.platforms import registry
from bot.platforms.base import PlatformPlugin, PlatformSetupError, RunningPlatform
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from bot.startup import platforms_configured, starting_line

__all__ = ["OutboxPump", "Platforms", "configured_plugins", "run_platforms", "run_polling",
           "started_platforms"]

log = logging.getLogger(__name__)
DELIVERY_INTERVAL = 15.0  # seconds between outbox passes when nothing wakes the pump
PASS_FINISH_TIMEOUT = 5.0  # seconds a delivery pass under way may take to finish at stop


class OutboxPump:
    """Delivers the outbox in the background: at once when woken (a handler queued a
    message for someone) and every ``interval`` seconds (retries, replies a dead
    worker left, rows other workers queued). :meth:`stop` lets a pass under way finish."""

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
    running: tuple[RunningPlatform, ...]
    pump: OutboxPump | None
    reminders: ReminderScheduler | None = None  # None: no platform to send them with

    def get(self, name: str) -> RunningPlatform | None:
        return next((p for p in self.running if p.name == name), None)


def configured_plugins(settings: Settings) -> list[PlatformPlugin]:
    """The registered platforms whose tokens are set."""
    return registry.configured(settings)


def refuse_problems(plugins: Sequence[PlatformPlugin], settings: Settings, *,
                    serving: bool) -> None:
    """Stop here, with one line each, if a configured platform can't start."""
    problems = [line for p in plugins for line in p.problems(settings, serving=serving)]
    if problems:
        typer.echo("\n".join(problems), err=True)
        raise typer.Exit(code=2)


@contextlib.asynccontextmanager
async def started_platforms(application: App, *, serving: bool) -> AsyncIterator[Platforms]:
    """Start each configured platform, the delivery loop and the reminder schedule; stop
    them after. ``serving``: updates arrive by webhook (``serve``), not ``receive``."""
    quiet_http_logs()
    plugins = configured_plugins(application.settings)
    refuse_problems(plugins, application.settings, serving=serving)
    lease = application.settings.delivery_lease
    deliverer = Deliverer(application.services, [], concurrency=8, lease=lease,
                          metrics=application.metrics)
    pump = OutboxPump(deliverer, interval=min(DELIVERY_INTERVAL, lease.total_seconds()))
    running: list[RunningPlatform] = []
    try:
        for plugin in plugins:
            started = await plugin.start(application, wake=pump.wake, serving=serving)
            running.append(started)
            deliverer.add(started.messenger)
    except PlatformSetupError as exc:
        await _close(running)
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    reminders = ReminderScheduler(application.services, wake=pump.wake)
    if running:  # with no platform to send them, reminders would only pile up unsent
        pump.start()
        reminders.start()
    try:
        yield Platforms(tuple(running), pump if running else None,
                        reminders if running else None)
    finally:
        await reminders.stop()
        await _close(running)
        await pump.stop()


async def _close(running: Sequence[RunningPlatform]) -> None:
    for platform in running:
        try:
            await platform.close()
        except Exception:
            log.exception("stopping %s failed", platform.name)


def quiet_http_logs() -> None:
    """httpx logs every request's URL at INFO, and a Bot API URL contains the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def run_polling(application: App, stop: asyncio.Event) -> None:
    """Receive updates on every configured platform until ``stop`` is set."""
    async with started_platforms(application, serving=False) as platforms:
        if not platforms.running:
            raise ValueError("no platform tokens are set")
        await asyncio.gather(*(p.receive(stop) for p in platforms.running))


async def run_platforms(settings: Settings) -> None:
    """``policybot run`` with platform tokens: receive until SIGINT or SIGTERM."""
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
