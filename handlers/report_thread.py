"""The private thread on a report: /view, /reply and /outcome, and their buttons.

The recipient opening a report tells the reporter it has been read (once). Either
side can write in the thread; the other side is told privately through the outbox.
The recipient records the outcome; the reporter is told. Every view and change is
written to the audit log. All of it happens in private chats only.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.outbox import notify_person
from handlers.replies import Button, Message, Reply, whisper
from handlers.report_access import Opened, noun, open_report, render, report_id
from handlers.report_routing import ROLE_TITLES, sentence
from handlers.report_submit import THREAD_PREFIX
from handlers.router import Router, Where
from storage import audit, conversations, directory, reports
from storage.report_models import Report
from storage.roles import LEADERSHIP_ROLES, Role

NOTE = "report_note"  # conversation kind: the next private message is a thread message
ANYONE_KNOWN = frozenset(Role)


def register(router: Router) -> None:
    @router.command("view", roles=ANYONE_KNOWN, where=Where.PRIVATE,
                    summary="read a report and its thread: /view 12")
    async def view_(services: Services, event: Event) -> list[Reply]:
        return await view(services, event, report_id(event.args, "Which one? e.g. /view 12"))

    @router.command("reply", roles=ANYONE_KNOWN, where=Where.PRIVATE,
                    summary="write in a report's private thread: /reply 12 your message")
    async def reply_(services: Services, event: Event) -> list[Reply]:
        number = report_id(event.args, "Which one? e.g. /reply 12 your message")
        return await write(services, event, number, _rest(event.args), "message")

    @router.command("outcome", roles=LEADERSHIP_ROLES, where=Where.PRIVATE,
                    summary="record what was done about a report: /outcome 12 what was done")
    async def outcome_(services: Services, event: Event) -> list[Reply]:
        number = report_id(event.args, "Which one? e.g. /outcome 12 what was done")
        return await write(services, event, number, _rest(event.args), "outcome")

    @router.action(THREAD_PREFIX)
    async def pressed(services: Services, event: Event) -> list[Reply]:
        _, verb, number = ((event.action or "") + "::").split(":")[:3]
        if not event.sender.known or not number.isdigit():
            return [whisper("That button no longer does anything. Try /help.")]
        if verb == "view":
            return await view(services, event, int(number))
        if verb == "cancel":
            return await _forget_note(services, event)
        return await write(services, event, int(number), "",
                           "outcome" if verb == "outcome" else "message")

    @router.conversation(NOTE)
    async def typed(services: Services, event: Event) -> list[Reply]:
        return await _typed_note(services, event)


async def view(services: Services, event: Event, number: int) -> list[Reply]:
    async with services.db.session() as session:
        opened = await open_report(session, event, number)
        report = opened.report
        if opened.handler:
            await _mark_read(session, services, event, report)
        await audit.record(session=session, school_id=report.school_id,
                           actor_id=event.sender.person_id, action=audit.VIEW,
                           report_id=report.id, now=services.now())
        thread = await reports.messages(session=session, report_id=_id(report))
        names = await reports.names_of(
            session=session, school_id=report.school_id,
            person_ids={report.reporter_id, *(m.author_id for m in thread)})
    return [whisper(render(services, event, report, names, thread), *_buttons(opened))]


async def write(services: Services, event: Event, number: int, text: str,
                purpose: str) -> list[Reply]:
    """Post ``text`` to the thread (or record it as the outcome); with no text, ask for it."""
    async with services.db.session() as session:
        opened = await open_report(session, event, number)
        if purpose == "outcome" and not opened.handler:
            raise UserError("Only the person the report went to can record its outcome.")
        if not text:
            await conversations.save(session=session, person_id=_person(event), kind=NOTE,
                                     state={"report_id": number, "purpose": purpose},
                                     now=services.now())
            what = "the outcome" if purpose == "outcome" else "your message"
            return [whisper(f"Type {what} for #{number} below.",
                            Button("Cancel", f"{THREAD_PREFIX}:cancel:{number}"))]
        if purpose == "outcome":
            return [whisper(await _record_outcome(session, services, event, opened, text))]
        return [whisper(await _post(session, services, event, opened, text))]


async def _typed_note(services: Services, event: Event) -> list[Reply]:
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        state = dict(row.state) if row is not None else {}
        await conversations.clear(session=session, person_id=_person(event))
    if event.text.strip().casefold() == "cancel" or "report_id" not in state:
        return [whisper("Cancelled. Nothing was written.")]
    return await write(services, event, int(state["report_id"]), event.text,
                       str(state["purpose"]))


async def _forget_note(services: Services, event: Event) -> list[Reply]:
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        if row is not None and row.kind == NOTE:
            await conversations.clear(session=session, person_id=_person(event))
    return [whisper("Cancelled. Nothing was written.")]


async def _post(session: AsyncSession, services: Services, event: Event, opened: Opened,
                text: str) -> str:
    report = opened.report
    message = await reports.add_message(
        session=session, report_id=_id(report), author_id=_person(event),
        body_enc=services.cipher.encrypt(text), dedupe_key=event.update_key, now=services.now())
    if message is None:
        return "That message is already in the thread."
    if opened.handler:
        await _mark_read(session, services, event, report)
        who = _title_of(event)
        note = Message(f"{who} wrote about your {noun(report)} #{report.id}:\n{text}",
                       (Button("Reply", f"{THREAD_PREFIX}:reply:{report.id}"),))
        targets = [report.reporter_id]
    else:
        note = Message(f"The person who sent #{report.id} wrote:\n{text}",
                       (Button("Read the thread", f"{THREAD_PREFIX}:view:{report.id}"),))
        targets = await _handlers(session, report)
    for person_id in targets:
        await notify_person(session=session, cipher=services.cipher, school_id=report.school_id,
                            key=f"report:{report.id}:msg:{message.id}:to:{person_id}",
                            person_id=person_id, message=note)
    await audit.record(session=session, school_id=report.school_id, actor_id=_person(event),
                       action=audit.MESSAGE, report_id=report.id, now=services.now())
    return f"Sent, privately, in the thread of #{report.id}."


async def _record_outcome(session: AsyncSession, services: Services, event: Event,
                          opened: Opened, text: str) -> str:
    report = opened.report
    await reports.record_outcome(session=session, report=report,
                                 outcome_enc=services.cipher.encrypt(text),
                                 by=_person(event), now=services.now())
    once = event.update_key or services.now().isoformat()
    await notify_person(
        session=session, cipher=services.cipher, school_id=report.school_id,
        key=f"report:{report.id}:outcome:{once}"[:200], person_id=report.reporter_id,
        message=Message(f"An outcome has been recorded for your {noun(report)} "
                        f"#{report.id}:\n{text}"))
    await audit.record(session=session, school_id=report.school_id, actor_id=_person(event),
                       action=audit.OUTCOME, report_id=report.id, now=services.now())
    return f"Outcome recorded for #{report.id}; the person who sent it has been told."


async def _mark_read(session: AsyncSession, services: Services, event: Event,
                     report: Report) -> None:
    """The first time a recipient opens it, tell the reporter (once)."""
    if await reports.mark_read(session=session, report=report, now=services.now()):
        who = _title_of(event)
        await notify_person(
            session=session, cipher=services.cipher, school_id=report.school_id,
            key=f"report:{report.id}:read", person_id=report.reporter_id,
            message=Message(f"{who} has read your {noun(report)} #{report.id}.",
                            (Button("Open the thread", f"{THREAD_PREFIX}:view:{report.id}"),)))


async def _handlers(session: AsyncSession, report: Report) -> list[int]:
    people = await directory.people_with_role(session=session, school_id=report.school_id,
                                              role=report.handler_role)
    return [p.id for p in people if p.id is not None]


def _buttons(opened: Opened) -> tuple[Button, ...]:
    number = opened.report.id
    if not opened.handler:
        return (Button("Reply", f"{THREAD_PREFIX}:reply:{number}"),)
    return (Button("Ask a question", f"{THREAD_PREFIX}:ask:{number}"),
            Button("Record outcome", f"{THREAD_PREFIX}:outcome:{number}"))


def _title_of(event: Event) -> str:
    """How the reporter hears of the person who acted: by role, as the policy names it."""
    role = event.sender.role
    return sentence(ROLE_TITLES.get(role, "the school")) if role is not None else "The school"


def _rest(args: str) -> str:
    parts = args.strip().split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def _id(report: Report) -> int:
    assert report.id is not None
    return report.id


def _person(event: Event) -> int:
    assert event.sender.person_id is not None
    return event.sender.person_id
