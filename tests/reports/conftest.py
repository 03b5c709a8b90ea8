"""Helpers for driving the reporting flows through the console, as people would."""


from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlmodel import col, select

from bot.app import App, build_app
from bot.inbound import Inbound
from bot.settings import Settings, bundled_demo_config
from handlers.actions import Action
from handlers.events import Attachment, ChatKind, ChatRef, Event, SchoolRef, Sender
from handlers.identity import school_ref
from handlers.report_routing import CATEGORY_LABELS, implied_involved
from storage import directory, report_events, reports
from storage.models import OutboxMessage
from storage.report_models import AuditEntry, Report, ReportEvent
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
                 when: str = "Yesterday", text: str = "A pupil posted a photo of a class trip",
                 links: str | None = None) -> list[str]:
    """/report from the current chat, answered in private by typing labels (no "who is
    involved" when the category says who)."""
    out = await console.send("/report")
    if console.console.state.chat != "dm":
        out += await console.send(":in dm")
    out += await console.send(category)
    if involved is not None and implied_involved(_category(category)) is None:
        out += await console.send(involved)
    out += await console.send(when, text, links or "Skip", "Skip", "Send")
    return out


def _category(label: str) -> str:
    return next(c for c, text in CATEGORY_LABELS.items() if text.casefold() == label.casefold())


async def school(app: App, slug: str = "croughton") -> SchoolRef:
    async with app.services.db.session() as session:
        found = await directory.school_by_slug(session=session, slug=slug)
    assert found is not None
    return school_ref(found)


async def all_reports(app: App) -> list[Report]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(Report).order_by(Report.id)))  # type: ignore[arg-type]


async def readers(app: App, saved: Report) -> tuple[str, ...]:
    """The roles that read a stored report."""
    assert saved.id is not None
    async with app.services.db.session() as session:
        found = await reports.readers_of(session=session, report_ids=[saved.id])
    return found.get(saved.id, ())


async def chronology(app: App, saved: Report) -> list[ReportEvent]:
    """A stored report's chronology, oldest first."""
    assert saved.id is not None
    async with app.services.db.session() as session:
        return await report_events.of_report(session=session, report_id=saved.id)


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


#: The demo schools, with a deputy DSL in Croughton and St Luke's; St Luke's lets the
#: Headteacher read safeguarding concerns and gives a contact line.
DEPUTY = {"handle": "deputy", "name": "Dan Deputy", "role": "deputy_dsl"}
HEAD_READS_SAFEGUARDING = "st-lukes"
CONTACT = "the school office on 01234 567890 (office@stlukes.example)"


def readers_config(tmp_path: Path) -> Path:
    """A copy of the demo config (paths made absolute) with those changes."""
    demo = bundled_demo_config()
    data = yaml.safe_load(demo.read_text(encoding="utf-8"))
    for school in data["schools"]:
        school["policies"] = [str(demo.parent / p) for p in school["policies"]]
        if school.get("faq"):
            school["faq"] = str(demo.parent / school["faq"])
        if school["slug"] in ("croughton", HEAD_READS_SAFEGUARDING):
            ids = {"telegram": int(str(school["people"][0]["telegram"])[:1] + "007")}
            school["people"].append({**DEPUTY, **ids})
        if school["slug"] == HEAD_READS_SAFEGUARDING:
            school["reports"] = {"readers": {"safeguarding": ["dsl", "deputy_dsl", "headteacher"]},
                                 "contact": CONTACT}
    path = tmp_path / "schools.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
async def deputy_app(settings: Settings, tmp_path: Path) -> AsyncIterator[App]:
    """An app over :func:`readers_config`, without policy answers."""
    changed = settings.model_copy(update={"config_path": readers_config(tmp_path)})
    application = await build_app(changed, migrate=False, with_answers=False)
    yield application
    await application.close()


async def send_file(driver: ConsoleDriver, content: bytes, *, kind: str = "photo",
                    filename: str | None = None, mime: str | None = "image/jpeg",
                    caption: str = "") -> list[str]:
    """A file sent where the console person is, as an adapter hands it over (with its
    content, even in a group: the worst an adapter could do); what the bot printed."""
    console = driver.console
    state = console.state
    state.turn += 1
    me = f"{state.school}/{state.handle}"
    private = state.chat == "dm"
    inbound = Inbound(
        platform="console", key=f"{state.session}:{state.turn}", user_id=me,
        display_name=state.handle, chat_id=me if private else f"{state.school}/{state.chat}",
        chat_kind=ChatKind.PRIVATE if private else ChatKind.GROUP, text=caption,
        attachments=(Attachment(kind, f"file-{state.turn}", filename, mime, len(content),
                                content),))
    start = len(driver.out.getvalue())
    handled = await console.pipeline.handle(inbound)
    await console.pipeline.deliver(handled)
    await console.deliverer.deliver_due()
    return driver.out.getvalue()[start:].splitlines()
