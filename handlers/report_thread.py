"""A report's private thread and record: /view, /reply, /action, /outcome, /correct and
/withdraw, and their buttons.

/view shows the report (see :mod:`handlers.report_view`) and, to a reader, sends its
evidence files privately; each reader's first look tells the reporter who has read
it. Anyone who may open a report writes in its thread and everyone else around it is
told (:mod:`handlers.report_writes`). Every view and change is audited. All of it
happens in private chats only. Reports are known by their reference, never their id.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.actions import encode
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Button, Document, Message, Reply, whisper
from handlers.report_access import Opened, open_report, reference_of
from handlers.report_chronology import People, person_ids
from handlers.report_notify import keyed, tell
from handlers.report_prompts import (
    NOTE,
    drop_prompt,
    forget_prompt,
    send_pending,
    typed_note,
    write,
)
from handlers.report_readers import people_reading
from handlers.report_submit import THREAD_PREFIX
from handlers.report_view import Record, render
from handlers.report_writes import mark_read
from handlers.router import Group, Handler, Router, Where
from storage import audit, evidence, report_events, reports
from storage.models import id_of
from storage.roles import LEADERSHIP_ROLES, Role

ANYONE_KNOWN = frozenset(Role)
#: Button verbs (``rt:<verb>:<number>``) that ask for text, and what the text is for.
PROMPTS = {"reply": "message", "ask": "message", "action": "action", "outcome": "outcome",
           "correct": "correction", "withdraw": "withdraw", "keep": "keep", "delete": "delete"}
#: Commands that write to a report: name → (purpose, who may, summary).
WRITING = {
    "reply": ("message", ANYONE_KNOWN,
              "write in a report's private thread: /reply 482913 your message"),
    "action": ("action", LEADERSHIP_ROLES,
               "record something done about a report: /action 482913 what was done"),
    "outcome": ("outcome", LEADERSHIP_ROLES,
                "record a report's outcome and close it: /outcome 482913 what was done"),
    "correct": ("correction", ANYONE_KNOWN,
                "add a correction to what you sent: /correct 482913 the correction"),
    "withdraw": ("withdraw", ANYONE_KNOWN,
                 "withdraw what you sent, with a reason: /withdraw 482913 why"),
}


def register(router: Router) -> None:
    @router.command("view", roles=ANYONE_KNOWN, where=Where.PRIVATE,
                    summary="read a report and its thread: /view 482913")
    async def view_(services: Services, event: Event) -> list[Reply]:
        return await view(services, event,
                          reference_of(event.args, "Which one? e.g. /view 482913"))

    for name, (purpose, roles, summary) in WRITING.items():
        group = Group.LIST if roles is LEADERSHIP_ROLES else Group.EVERYDAY
        router.command(name, roles=roles, where=Where.PRIVATE, group=group,
                       summary=summary)(_writing(name, purpose))

    @router.action(THREAD_PREFIX)
    async def pressed(services: Services, event: Event) -> list[Reply]:
        verb = event.action.arg(0) if event.action is not None else ""
        number = event.action.number(1) if event.action is not None else None
        if not event.sender.known or number is None:
            return [whisper("That button no longer does anything. Try /help.")]
        if verb == "view":
            return await view(services, event, number)
        if verb == "cancel":
            return await forget_prompt(services, event, number)
        if verb == "send":
            return await send_pending(services, event, number)
        return await write(services, event, number, "", PROMPTS.get(verb, "message"))

    @router.conversation(NOTE)
    async def typed(services: Services, event: Event) -> list[Reply]:
        return await typed_note(services, event)


def _writing(name: str, purpose: str) -> Handler:
    usage = WRITING[name][2].split(": ", 1)[1]

    async def command(services: Services, event: Event) -> list[Reply]:
        number = reference_of(event.args, f"Which one? e.g. {usage}")
        return await write(services, event, number, rest_of(event.args), purpose)
    return command


async def view(services: Services, event: Event, number: int) -> list[Reply]:
    async with services.db.session() as session:
        dropped = await drop_prompt(session, _person(event))
        opened = await open_report(session, event, number)
        await mark_read(session, services, event, opened)
        await audit.record(session=session, school_id=opened.report.school_id,
                           actor_id=event.sender.person_id, action=audit.VIEW,
                           report_id=opened.id, now=services.now())
        record = await _record(session, opened)
        if opened.reader:
            await _send_files(session, services, event, opened)
    return [*dropped, whisper(render(services, event, record), *_buttons(opened))]


async def _record(session: AsyncSession, opened: Opened) -> Record:
    report = opened.report
    entries = await report_events.of_report(session=session, report_id=opened.id)
    files = (await evidence.of_reports(session=session, report_ids=[opened.id])).get(opened.id, [])
    readers_now = await people_reading(session, report.school_id, opened.readers)
    people = await reports.people_of(
        session=session, school_id=report.school_id,
        person_ids={report.reporter_id, report.closed_by, *person_ids(entries),
                    *(f.uploaded_by for f in files)})
    return Record(opened, entries, files, People(people), readers_now)


async def _send_files(session: AsyncSession, services: Services, event: Event,
                      opened: Opened) -> None:
    """Each evidence file, to the reader privately (never to a chat)."""
    files = await evidence.files_of(session=session, report_id=opened.id)
    number, person = opened.report.reference, _person(event)
    for index, file in enumerate(files, start=1):
        document = Document(file.filename, services.cipher.decrypt_bytes(file.content_enc),
                            file.mime_type)
        key = outbox_keys.report_evidence(opened.id, id_of(file), person,
                                          event.update_key or "view")
        await tell(session, services, opened.report, [person],
                   Message(f"Evidence {index} of {len(files)} for #{number}: {file.filename}",
                           document=document), keyed(key))


def _buttons(opened: Opened) -> tuple[Button, ...]:
    number = opened.report.reference
    out: list[Button] = []
    if opened.reader:
        out += [Button("Ask a question", encode(THREAD_PREFIX, "ask", number)),
                Button("Record an action", encode(THREAD_PREFIX, "action", number)),
                Button("Record outcome", encode(THREAD_PREFIX, "outcome", number))]
        if opened.report.review_flagged_at is not None and not opened.report.legal_hold:
            out += [Button("Keep it", encode(THREAD_PREFIX, "keep", number)),
                    Button("Delete it", encode(THREAD_PREFIX, "delete", number))]
    if opened.reporter and not opened.reader:
        out.append(Button("Reply", encode(THREAD_PREFIX, "reply", number)))
    if opened.reporter:
        out.append(Button("Add a correction", encode(THREAD_PREFIX, "correct", number)))
        if opened.report.status in (reports.OPEN, reports.READ):
            out.append(Button("Withdraw it", encode(THREAD_PREFIX, "withdraw", number)))
    return tuple(out)


def rest_of(args: str) -> str:
    """The text after the report's number."""
    parts = args.strip().split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


def _person(event: Event) -> int:
    assert event.sender.person_id is not None
    return event.sender.person_id
