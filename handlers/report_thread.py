"""The private thread on a report: /view, /reply and /outcome, and their buttons.

The recipient opening a report tells the reporter it has been read (once). Either
side can write in the thread; the other side is told privately through the outbox.
The recipient records the outcome (every outcome stays in the thread); the reporter
is told each time. Every view and change is written to the audit log. All of it
happens in private chats only. Reports are known by their reference, never their id.

Pressing Reply, Ask a question or Record outcome asks for the text as the person's
next private message: a ``report_note`` conversation, state
``{"reference": 482913, "purpose": "message" | "outcome", "pending": None | <encrypted>}``.
The prompt lapses after :data:`PROMPT_TTL` (the next message is then an ordinary
question about the policy) and any other reporting command drops it. A typed outcome
is not recorded until the person presses Send (``pending`` holds it meanwhile), and
nothing waiting like that is ever replaced silently.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.outbox import notify_person
from handlers.policy import answer_question
from handlers.replies import Button, Message, Reply, whisper
from handlers.report_access import (
    Opened,
    noun,
    open_report,
    reference_of,
    render,
)
from handlers.report_flow import DRAFT
from handlers.report_routing import FRIEND_REQUEST, ROLE_TITLES, sentence
from handlers.report_submit import THREAD_PREFIX
from handlers.router import Group, Router, Where
from storage import audit, conversations, directory, reports
from storage.models import Conversation, id_of
from storage.report_models import Report
from storage.roles import LEADERSHIP_ROLES, Role

NOTE = "report_note"  # conversation kind: the next private message is for a thread
PROMPT_TTL = dt.timedelta(minutes=10)
ANYONE_KNOWN = frozenset(Role)
CANCELLED = "Cancelled. Nothing was written."
CONFIRM_WORDS = frozenset({"send", "yes", "confirm"})


def register(router: Router) -> None:
    @router.command("view", roles=ANYONE_KNOWN, where=Where.PRIVATE,
                    summary="read a report and its thread: /view 482913")
    async def view_(services: Services, event: Event) -> list[Reply]:
        return await view(services, event,
                          reference_of(event.args, "Which one? e.g. /view 482913"))

    @router.command("reply", roles=ANYONE_KNOWN, where=Where.PRIVATE,
                    summary="write in a report's private thread: /reply 482913 your message")
    async def reply_(services: Services, event: Event) -> list[Reply]:
        number = reference_of(event.args, "Which one? e.g. /reply 482913 your message")
        return await write(services, event, number, _rest(event.args), "message")

    @router.command("outcome", roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                    summary="record what was done about a report: /outcome 482913 what was done")
    async def outcome_(services: Services, event: Event) -> list[Reply]:
        number = reference_of(event.args, "Which one? e.g. /outcome 482913 what was done")
        return await write(services, event, number, _rest(event.args), "outcome")

    @router.action(THREAD_PREFIX)
    async def pressed(services: Services, event: Event) -> list[Reply]:
        verb = event.action.arg(0) if event.action is not None else ""
        number = event.action.number(1) if event.action is not None else None
        if not event.sender.known or number is None:
            return [whisper("That button no longer does anything. Try /help.")]
        if verb == "view":
            return await view(services, event, number)
        if verb == "cancel":
            return await _forget_note(services, event, number)
        if verb == "send":
            return await _send_outcome(services, event, number)
        return await write(services, event, number, "",
                           "outcome" if verb == "outcome" else "message")

    @router.conversation(NOTE)
    async def typed(services: Services, event: Event) -> list[Reply]:
        return await _typed_note(services, event)


async def view(services: Services, event: Event, number: int) -> list[Reply]:
    async with services.db.session() as session:
        dropped = await drop_prompt(session, _person(event))
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
    return [*dropped, whisper(render(services, event, report, names, thread),
                              *_buttons(opened))]


async def write(services: Services, event: Event, number: int, text: str,
                purpose: str) -> list[Reply]:
    """Post ``text`` to the thread (or record it as the outcome); with no text, ask for it."""
    async with services.db.session() as session:
        opened = await open_report(session, event, number)
        if purpose == "outcome" and not opened.handler:
            raise UserError("Only the person the report went to can record its outcome.")
        if not text:
            return [await _prompt(session, services, event, number, purpose)]
        dropped = await drop_prompt(session, _person(event))
        if purpose == "outcome":
            said = await _record_outcome(session, services, event, opened, text)
        else:
            said = await _post(session, services, event, opened, text)
    return [*dropped, whisper(said)]


async def drop_prompt(session: AsyncSession, person_id: int) -> list[Reply]:
    """Another reporting command came between a prompt and its answer: the prompt goes
    (nothing had been typed for it yet), and the person is told. A typed outcome
    waiting for Send stays until it is sent or cancelled."""
    row = await conversations.current(session=session, person_id=person_id)
    if row is None or row.kind != NOTE or row.state.get("pending") is not None:
        return []
    await conversations.clear(session=session, person_id=person_id)
    return [whisper(f"(I'm no longer waiting for your {_what(row.state)} for "
                    f"#{row.state.get('reference')}.)")]


async def _prompt(session: AsyncSession, services: Services, event: Event, number: int,
                  purpose: str) -> Reply:
    """Ask for the text as the next private message, unless that would replace something
    the person has typed (a report draft, an outcome waiting for Send)."""
    row = await conversations.current(session=session, person_id=_person(event))
    busy = _busy(row)
    if busy is not None:
        return whisper(busy)
    await conversations.save(session=session, person_id=_person(event), kind=NOTE,
                             state={"reference": number, "purpose": purpose, "pending": None},
                             now=services.now())
    what = "the outcome" if purpose == "outcome" else "your message"
    return whisper(f"Type {what} for #{number} below.",
                   Button("Cancel", encode(THREAD_PREFIX, "cancel", number)))


def _busy(row: Conversation | None) -> str | None:
    """Why a new prompt may not replace this conversation (None: it may)."""
    if row is None:
        return None
    if row.kind == DRAFT:
        what = "friend request" if row.state.get("flow") == FRIEND_REQUEST else "report"
        return (f"You have a {what} you started and haven't sent yet. Please finish it "
                "(Send) or Cancel it first; your draft is kept until you do.")
    if row.kind == NOTE and row.state.get("pending") is not None:
        return waiting(row)
    return None


def waiting(row: Conversation) -> str:
    """The reminder that a typed outcome is waiting for Send or Cancel."""
    return (f"You have an outcome for #{row.state.get('reference')} waiting to be sent. "
            "Please press Send or Cancel on it first.")


async def _typed_note(services: Services, event: Event) -> list[Reply]:
    """The private message after a prompt. Reading and clearing the prompt and writing
    the text happen in one transaction: if writing fails, the prompt is still there."""
    text = event.text.strip()
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        if row is None or row.kind != NOTE or "reference" not in row.state:
            lapsed: list[Reply] = []
        elif services.now() - row.updated_at > PROMPT_TTL:
            await conversations.clear(session=session, person_id=_person(event))
            lapsed = _lapsed(row)
        else:
            return await _answer_prompt(session, services, event, row, text)
    # no prompt (any more): an ordinary private message, i.e. a question about the policy
    try:
        return [*lapsed, *await answer_question(services, event, event.text)]
    except UserError as exc:
        return [*lapsed, whisper(exc.message)]


def _lapsed(row: Conversation) -> list[Reply]:
    if row.state.get("pending") is None:
        return []  # nothing had been typed for it: the prompt simply lapses
    return [whisper(f"(The outcome you typed for #{row.state['reference']} was not recorded: "
                    f"it waited more than {PROMPT_TTL.seconds // 60} minutes for Send.)")]


async def _answer_prompt(session: AsyncSession, services: Services, event: Event,
                         row: Conversation, text: str) -> list[Reply]:
    person_id, number = _person(event), int(row.state["reference"])
    purpose, pending = str(row.state.get("purpose")), row.state.get("pending")
    if text.casefold() == "cancel":
        await conversations.clear(session=session, person_id=person_id)
        return [whisper(CANCELLED)]
    try:
        opened = await open_report(session, event, number)
    except UserError as exc:  # purged, or no longer theirs to see
        await conversations.clear(session=session, person_id=person_id)
        return [whisper(f"{exc.message} Nothing was written.")]
    if pending is not None and text.casefold() in CONFIRM_WORDS:
        said = await _record_outcome(session, services, event, opened,
                                     services.cipher.decrypt(pending))
        await conversations.clear(session=session, person_id=person_id)
        return [whisper(said)]
    if purpose == "outcome":  # typed (or typed again): confirm before closing the report
        await conversations.save(session=session, person_id=person_id, kind=NOTE,
                                 state={**row.state, "pending": services.cipher.encrypt(text)},
                                 now=services.now())
        return [whisper(f"Record this as the outcome of #{number}? It closes the "
                        f"{noun(opened.report)} and the person who sent it will be told:\n"
                        f"{text}", Button("Send", encode(THREAD_PREFIX, "send", number)),
                        Button("Cancel", encode(THREAD_PREFIX, "cancel", number)))]
    await conversations.clear(session=session, person_id=person_id)
    return [whisper(await _post(session, services, event, opened, text))]


async def _send_outcome(services: Services, event: Event, number: int) -> list[Reply]:
    """Send pressed under a typed outcome: record it (and clear it) in one transaction."""
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        if (row is None or row.kind != NOTE or row.state.get("reference") != number
                or row.state.get("pending") is None):
            return [whisper(f"There's no outcome for #{number} waiting to be sent. "
                            f"Use /outcome {number} what was done.")]
        return await _answer_prompt(session, services, event, row, "send")


async def _forget_note(services: Services, event: Event, number: int) -> list[Reply]:
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        if row is not None and row.kind == NOTE and row.state.get("reference") == number:
            await conversations.clear(session=session, person_id=_person(event))
    return [whisper(CANCELLED)]


async def _post(session: AsyncSession, services: Services, event: Event, opened: Opened,
                text: str) -> str:
    report = opened.report
    number = report.reference
    message = await reports.add_message(
        session=session, report_id=_id(report), author_id=_person(event),
        body_enc=services.cipher.encrypt(text), dedupe_key=event.update_key, now=services.now())
    if message is None:
        return "That message is already in the thread."
    if opened.handler:
        await _mark_read(session, services, event, report)
        who = _title_of(event)
        note = Message(f"{who} wrote about your {noun(report)} #{number}:\n{text}",
                       (Button("Reply", encode(THREAD_PREFIX, "reply", number)),))
        targets = [report.reporter_id]
    else:
        note = Message(f"The person who sent #{number} wrote:\n{text}",
                       (Button("Read the thread", encode(THREAD_PREFIX, "view", number)),))
        targets = await _handlers(session, report)
    for person_id in targets:
        await notify_person(session=session, cipher=services.cipher, school_id=report.school_id,
                            key=outbox_keys.report_message(id_of(report), id_of(message),
                                                           person_id),
                            person_id=person_id, message=note)
    await audit.record(session=session, school_id=report.school_id, actor_id=_person(event),
                       action=audit.MESSAGE, report_id=report.id, now=services.now())
    return f"Sent, privately, in the thread of #{number}."


async def _record_outcome(session: AsyncSession, services: Services, event: Event,
                          opened: Opened, text: str) -> str:
    """Close the report with this outcome, kept in the thread with any earlier ones; the
    reporter is told every time."""
    report = opened.report
    number, again = report.reference, report.outcome_enc is not None
    entry = await reports.record_outcome(session=session, report=report,
                                         outcome_enc=services.cipher.encrypt(text),
                                         by=_person(event), dedupe_key=event.update_key,
                                         now=services.now())
    if entry is None:
        return f"That outcome is already recorded for #{number}."
    told = (f"The outcome of your {noun(report)} #{number} has been updated:" if again
            else f"An outcome has been recorded for your {noun(report)} #{number}:")
    await notify_person(
        session=session, cipher=services.cipher, school_id=report.school_id,
        key=outbox_keys.report_outcome(id_of(report), id_of(entry)), person_id=report.reporter_id,
        message=Message(f"{told}\n{text}",
                        (Button("Open the thread", encode(THREAD_PREFIX, "view", number)),)))
    await audit.record(session=session, school_id=report.school_id, actor_id=_person(event),
                       action=audit.OUTCOME, report_id=report.id, now=services.now())
    if again:
        return (f"Outcome updated for #{number} (the earlier one stays in the thread); the "
                "person who sent it has been told.")
    return f"Outcome recorded for #{number}; the person who sent it has been told."


async def _mark_read(session: AsyncSession, services: Services, event: Event,
                     report: Report) -> None:
    """The first time a recipient opens it, tell the reporter (once)."""
    if await reports.mark_read(session=session, report=report, now=services.now()):
        who = _title_of(event)
        number = report.reference
        await notify_person(
            session=session, cipher=services.cipher, school_id=report.school_id,
            key=outbox_keys.report_read(id_of(report)), person_id=report.reporter_id,
            message=Message(f"{who} has read your {noun(report)} #{number}.",
                            (Button("Open the thread", encode(THREAD_PREFIX, "view", number)),)))


async def _handlers(session: AsyncSession, report: Report) -> list[int]:
    people = await directory.people_with_role(session=session, school_id=report.school_id,
                                              role=report.handler_role)
    return [p.id for p in people if p.id is not None]


def _buttons(opened: Opened) -> tuple[Button, ...]:
    number = opened.report.reference
    if not opened.handler:
        return (Button("Reply", encode(THREAD_PREFIX, "reply", number)),)
    return (Button("Ask a question", encode(THREAD_PREFIX, "ask", number)),
            Button("Record outcome", encode(THREAD_PREFIX, "outcome", number)))


def _what(state: dict[str, object]) -> str:
    return "outcome" if state.get("purpose") == "outcome" else "message"


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
