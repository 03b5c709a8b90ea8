"""Helpers for driving the reporting flows through the console, as people would."""


from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import col, select

from bot.app import App
from handlers.actions import Action
from handlers.events import ChatKind, ChatRef, Event, SchoolRef, Sender
from handlers.identity import school_ref
from storage import directory
from storage.models import OutboxMessage
from storage.report_models import AuditEntry, Report
from storage.roles import Role
from tests.conftest import ConsoleDriver
from tests.support.people import person


async def friend_request(console: ConsoleDriver, *, who: str = "A parent",
                         name: str = "J.S.", platform: str = "Facebook",
                         when: str = "Yesterday", did: str = "I declined it",
                         note: str | None = "Sent on Sunday evening") -> list[str]:
    """/friendrequest from the current chat, answered in private by typing labels."""
    out = await console.send("/friendrequest")
    if console.console.state.chat != "dm":
        out += await console.send(":in dm")
    out += await console.send(who, name, platform, when, did, note or "Skip", "Send")
    return out


async def report(console: ConsoleDriver, *, category: str, involved: str | None = "A pupil",
                 text: str = "A pupil posted a photo of a class trip",
                 links: str | None = None) -> list[str]:
    """/report from the current chat, answered in private by typing labels."""
    out = await console.send("/report")
    if console.console.state.chat != "dm":
        out += await console.send(":in dm")
    out += await console.send(category)
    if involved is not None:
        out += await console.send(involved)
    out += await console.send(text, links or "Skip", "Send")
    return out


async def school(app: App, slug: str = "croughton") -> SchoolRef:
    async with app.services.db.session() as session:
        found = await directory.school_by_slug(session=session, slug=slug)
    assert found is not None
    return school_ref(found)


async def all_reports(app: App) -> list[Report]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(Report).order_by(Report.id)))  # type: ignore[arg-type]


async def refs(app: App) -> list[int]:
    """The references (the numbers people see) of every stored report, oldest first."""
    return [r.reference for r in await all_reports(app)]


async def outbox_rows(app: App) -> list[OutboxMessage]:
    """Messages queued for people (not the replies to whoever acted)."""
    async with app.services.db.session() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.platform).is_(None))
        return list(await session.exec(query.order_by(col(OutboxMessage.id))))


async def audit_rows(app: App) -> list[AuditEntry]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


async def private_event(app: App, handle: str, *, command: str | None = None, args: str = "",
                        action: str | None = None, text: str = "") -> Event:
    """A private message, command or button press from ``handle`` (croughton), as a platform
    delivers it: for what the console can't type (a new line, a hand-made button)."""
    someone = await person(app, handle)
    return Event(platform="console", school=await school(app),
                 sender=Sender(platform_user_id=handle, display_name=someone.name,
                               person_id=someone.id, handle=handle, role=Role(someone.role)),
                 chat=ChatRef(kind=ChatKind.PRIVATE, platform_chat_id=f"dm:{handle}"),
                 text=text, command=command, args=args,
                 action=Action.parse(action) if action is not None else None,
                 update_key=f"test:{handle}:{command}:{args}:{action}:{text}"[:100])


def at(app: App, moment: dt.datetime) -> App:
    """The same app with its clock stopped at ``moment``."""
    return dataclasses.replace(app, services=dataclasses.replace(app.services,
                                                                 clock=lambda: moment))


def group_lines(out: list[str]) -> list[str]:
    return [line for line in out if not line.startswith("dm:")]
