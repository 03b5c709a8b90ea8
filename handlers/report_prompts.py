"""Writing to a report's record, with the text given at once (``/reply 482913 text``) or
asked for ("Type your message for #482913 below."): a ``report_note`` conversation,
state ``{"reference": 482913, "purpose": "message", "pending": None | <encrypted>}``.

The prompt lapses after :data:`PROMPT_TTL` (the next message is then an ordinary
question about the policy) and any other reporting command drops it. A purpose that
asks first (an outcome, a withdrawal, a deletion) records nothing until the person
presses Send (``pending`` holds the text meanwhile), and nothing waiting like that
is ever replaced silently. Reading and clearing a prompt and writing its text happen
in one transaction: if writing fails, the prompt is still there.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.policy import answer_question
from handlers.replies import Button, Reply, whisper
from handlers.report_access import Opened, open_report
from handlers.report_flow import DRAFT
from handlers.report_purposes import PURPOSES, Purpose
from handlers.report_routing import FRIEND_REQUEST
from handlers.report_submit import THREAD_PREFIX
from storage import conversations
from storage.models import Conversation

NOTE = "report_note"  # conversation kind: the next private message is for a report
PROMPT_TTL = dt.timedelta(minutes=10)
CANCELLED = "Cancelled. Nothing was written."
CONFIRM_WORDS = frozenset({"send", "yes", "confirm"})


async def write(services: Services, event: Event, number: int, text: str,
                purpose_name: str) -> list[Reply]:
    """Add ``text`` to the record for this purpose; with no text, ask for it."""
    purpose = PURPOSES[purpose_name]
    async with services.db.session() as session:
        opened = await _allowed(session, services, event, number, purpose)
        if not text:
            return [await _prompt(session, services, event, number, purpose)]
        dropped = await drop_prompt(session, _person(event))
        if purpose.always_confirm:
            return [*dropped, await _ask_first(session, services, event, opened, purpose, text,
                                               None)]
        said = await purpose.write(session, services, event, opened, text)
    return [*dropped, whisper(said)]


async def _allowed(session: AsyncSession, services: Services, event: Event, number: int,
                   purpose: Purpose) -> Opened:
    opened = await open_report(session, event, number)
    refusal = purpose.refusal(opened)
    if refusal is not None:
        raise UserError(refusal)
    if purpose.check is not None:
        purpose.check(services, event, opened)
    return opened


async def drop_prompt(session: AsyncSession, person_id: int) -> list[Reply]:
    """Another reporting command came between a prompt and its answer: the prompt goes
    (nothing had been typed for it yet), and the person is told. Text waiting for
    Send stays until it is sent or cancelled."""
    row = await conversations.current(session=session, person_id=person_id)
    if row is None or row.kind != NOTE or row.state.get("pending") is not None:
        return []
    await conversations.clear(session=session, person_id=person_id)
    return [whisper(f"(I'm no longer waiting for {_asks_for(row)} for "
                    f"#{row.state.get('reference')}.)")]


async def _prompt(session: AsyncSession, services: Services, event: Event, number: int,
                  purpose: Purpose) -> Reply:
    """Ask for the text as the next private message, unless that would replace something
    the person has typed (a report draft, text waiting for Send)."""
    row = await conversations.current(session=session, person_id=_person(event))
    busy = _busy(row)
    if busy is not None:
        return whisper(busy)
    await conversations.save(session=session, person_id=_person(event), kind=NOTE,
                             state={"reference": number, "purpose": purpose.name,
                                    "pending": None}, now=services.now())
    return whisper(f"Type {purpose.asks_for} for #{number} below.",
                   Button("Cancel", encode(THREAD_PREFIX, "cancel", number)))


def _busy(row: Conversation | None) -> str | None:
    """Why a new prompt may not replace this conversation (None: it may)."""
    if row is None:
        return None
    if row.kind == DRAFT:
        what = "friend request" if row.state.get("flow") == FRIEND_REQUEST else "report"
        return (f"You have a {what} you started and haven't sent yet. Please finish it "
                "(Send) or Cancel it first; your draft is kept until you do.")
    return busy_note(row)


def busy_note(row: Conversation | None) -> str | None:
    """The reminder that typed text is waiting for Send or Cancel (None: nothing waits)."""
    if row is None or row.kind != NOTE or row.state.get("pending") is None:
        return None
    what = "an outcome" if row.state.get("purpose") == "outcome" else "something"
    return (f"You have {what} for #{row.state.get('reference')} waiting to be sent. "
            "Please press Send or Cancel on it first.")


async def typed_note(services: Services, event: Event) -> list[Reply]:
    """The private message after a prompt."""
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
    what = "outcome" if row.state.get("purpose") == "outcome" else "text"
    return [whisper(f"(The {what} you typed for #{row.state['reference']} was not recorded: "
                    f"it waited more than {PROMPT_TTL.seconds // 60} minutes for Send.)")]


async def _answer_prompt(session: AsyncSession, services: Services, event: Event,
                         row: Conversation, text: str) -> list[Reply]:
    person_id, number = _person(event), int(row.state["reference"])
    purpose = PURPOSES.get(str(row.state.get("purpose")), PURPOSES["message"])
    pending = row.state.get("pending")
    if text.casefold() == "cancel":
        await conversations.clear(session=session, person_id=person_id)
        return [whisper(CANCELLED)]
    try:
        opened = await _allowed(session, services, event, number, purpose)
    except UserError as exc:  # deleted, or no longer theirs to see or do
        await conversations.clear(session=session, person_id=person_id)
        return [whisper(f"{exc.message} Nothing was written.")]
    if pending is not None and text.casefold() in CONFIRM_WORDS:
        await conversations.clear(session=session, person_id=person_id)
        return [whisper(await purpose.write(session, services, event, opened,
                                            services.cipher.decrypt(pending)))]
    if purpose.confirm is not None:  # typed (or typed again): confirm before recording it
        return [await _ask_first(session, services, event, opened, purpose, text, row)]
    await conversations.clear(session=session, person_id=person_id)
    return [whisper(await purpose.write(session, services, event, opened, text))]


async def _ask_first(session: AsyncSession, services: Services, event: Event, opened: Opened,
                     purpose: Purpose, text: str, row: Conversation | None) -> Reply:
    """Hold the text until Send is pressed."""
    number = opened.report.reference
    state = {"reference": number, "purpose": purpose.name, "pending": None}
    await conversations.save(session=session, person_id=_person(event), kind=NOTE,
                             state={**(row.state if row is not None else state),
                                    "pending": services.cipher.encrypt(text)},
                             now=services.now())
    return whisper(purpose.question(opened, text),
                   Button(purpose.confirm_label, encode(THREAD_PREFIX, "send", number)),
                   Button("Cancel", encode(THREAD_PREFIX, "cancel", number)))


async def send_pending(services: Services, event: Event, number: int) -> list[Reply]:
    """Send pressed under text waiting for it: record it (and clear it) in one transaction."""
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        if (row is None or row.kind != NOTE or row.state.get("reference") != number
                or row.state.get("pending") is None):
            return [whisper(f"There's nothing for #{number} waiting to be sent. "
                            f"Use /outcome {number} what was done.")]
        return await _answer_prompt(session, services, event, row, "send")


async def forget_prompt(services: Services, event: Event,
                        number: int | None = None) -> list[Reply]:
    """Cancel the prompt (for this report, if ``number``)."""
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=_person(event))
        if row is not None and row.kind == NOTE and number in (None, row.state.get("reference")):
            await conversations.clear(session=session, person_id=_person(event))
    return [whisper(CANCELLED)]


def _asks_for(row: Conversation) -> str:
    purpose = PURPOSES.get(str(row.state.get("purpose")))
    return purpose.asks_for if purpose is not None else "your message"


def _person(event: Event) -> int:
    assert event.sender.person_id is not None
    return event.sender.person_id
