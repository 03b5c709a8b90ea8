"""``policybot reminders run-due [--now ISO-8601]``: one reminder pass, then exit.

Publishes any changed policy, queues the reminders due at that moment and sends
every due message once. With a platform's tokens set it sends through every such
platform and prints one line per message (who, not what: the outbox also carries
private reports); otherwise it uses the console platform, which prints each reminder as
``dm:HANDLE| text`` and leaves everything else in the outbox for a real platform.
A one-line summary goes to stderr. Safe to run from cron as often as you like, on
several machines at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sys
from collections.abc import AsyncIterator

import typer

from bot.app import App, build_app
from bot.delivery import Address, Deliverer, Messenger, Replier
from bot.moments import parse_now
from bot.runner import configured_plugins
from bot.scheduler import PassReport, run_pass
from bot.settings import Settings
from handlers import outbox_keys
from handlers.replies import Message
from storage.directory import CONSOLE
from storage.models import Chat, Person


async def run_due(settings: Settings, now: str | None) -> None:
    moment = parse_now(now)
    application = await build_app(settings, with_answers=False)
    services = dataclasses.replace(application.services, clock=lambda: moment)
    try:
        async with messengers_for(application) as messengers:
            # The console prints what it sends, so there it sends reminders only: the
            # outbox also carries private reports, which must reach their real recipient.
            console = all(m.platform == CONSOLE for m in messengers)
            report = await run_pass(services, Deliverer(services, messengers), now=moment,
                                    only=outbox_keys.REMINDERS if console else None)
    finally:
        await application.close()
    typer.echo(summary(moment, report), err=True)


@contextlib.asynccontextmanager
async def messengers_for(application: App) -> AsyncIterator[list[Messenger]]:
    """Every platform whose tokens are set, else the console platform."""
    plugins = configured_plugins(application.settings)
    if plugins:
        async with contextlib.AsyncExitStack() as stack:
            yield [Announced(await stack.enter_async_context(p.messenger(application)))
                   for p in plugins]
        return
    from bot.platforms.console import Console, ConsoleMessenger, ConsoleState
    school = application.services.config.schools[0]
    console = Console(application, ConsoleState(school.slug, school.people[0].handle, "dm"),
                      out=sys.stdout, err=sys.stderr)
    schools = {school_id: school.slug
               for school_id, school in application.services.directory.schools.items()}
    yield [ConsoleMessenger(console.show, schools)]


class Announced:
    """A platform messenger that prints who each message it sent went to."""

    def __init__(self, inner: Messenger) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.rate_limit = getattr(inner, "rate_limit", None)

    async def to_person(self, person: Person, message: Message) -> bool:
        sent = await self.inner.to_person(person, message)
        if sent:
            typer.echo(f"{self.platform}: sent to dm:{person.handle}")
        return sent

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        sent = await self.inner.to_chat(chat, message)
        if sent:
            typer.echo(f"{self.platform}: sent to {chat.name}")
        return sent

    async def to_address(self, address: Address, message: Message) -> bool:
        sent = isinstance(self.inner, Replier) and await self.inner.to_address(address, message)
        if sent:
            typer.echo(f"{self.platform}: sent a reply left unsent")
        return sent


def summary(moment: dt.datetime, report: PassReport) -> str:
    parts = [f"reminders run-due at {moment.isoformat()}:"]
    if report.planned.published:
        parts.append("published " + ", ".join(report.planned.published) + ";")
    queued = report.planned.queued
    parts.append(f"queued {queued['nudge']} nudge(s), {queued['summary']} summary(ies), "
                 f"{queued['review']} review reminder(s);")
    delivered = report.delivered
    if delivered is not None:
        parts.append(f"sent {delivered.sent}, to retry {delivered.retried}, "
                     f"failed {delivered.failed}.")
    return " ".join(parts)
