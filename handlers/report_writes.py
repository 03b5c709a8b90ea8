"""Adding to a report's record: a read, a thread message, an action, an outcome (which
closes it), a correction and a withdrawal. Each is a new chronology entry (nothing
is edited in place), audited, and told privately to everyone it concerns: every
reader but whoever wrote it, and the reporter of what is theirs to know (messages,
outcomes and who has read it; actions are the readers' working record).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.replies import Button, Message
from handlers.report_access import Opened
from handlers.report_notify import reader_ids, tell
from handlers.report_readers import roles_text
from handlers.report_routing import ROLE_NAMES, sentence
from handlers.report_submit import THREAD_PREFIX
from handlers.report_text import noun
from storage import audit, report_events, reports
from storage.report_models import ReportEvent

MAX_TEXT, MAX_REASON = 4000, 1000


def actor_title(event: Event) -> str:
    """How others hear of the person who acted: ``Dee Lead (Designated Safeguarding Lead)``."""
    role = event.sender.role
    name = ROLE_NAMES.get(role) if role is not None else None
    return f"{event.sender.display_name} ({name})" if name else event.sender.display_name


def thread_button(number: int, label: str = "Read the thread") -> Button:
    return Button(label, encode(THREAD_PREFIX, "view", number))


async def mark_read(session: AsyncSession, services: Services, event: Event,
                    opened: Opened) -> bool:
    """The first time each reader opens it: a read entry, and the reporter told who."""
    person = _person(event)
    report = opened.report
    if not opened.reader or await report_events.has_read(session=session, report_id=opened.id,
                                                         person_id=person):
        return False
    now = services.now()
    await report_events.append(session=session, report_id=opened.id, kind=report_events.READ,
                               actor_id=person, now=now)
    if report.read_at is None:
        await reports.save(session=session, report=report, read_at=now,
                           status=reports.READ if report.status == reports.OPEN
                           else report.status)
    if report.reporter_id != person:
        number = report.reference
        await tell(session, services, report, [report.reporter_id],
                   Message(f"{actor_title(event)} has read your {noun(report)} #{number}.",
                           (thread_button(number, "Open the thread"),)),
                   lambda to: outbox_keys.report_read(opened.id, person))
    return True


async def entry_of(session: AsyncSession, services: Services, event: Event, opened: Opened,
                 kind: str, text: str) -> ReportEvent:
    entry = await report_events.append(
        session=session, report_id=opened.id, kind=kind, actor_id=_person(event),
        body_enc=services.cipher.encrypt(text), dedupe_key=event.update_key, now=services.now())
    if entry is None:
        raise UserError(f"That is already recorded on #{opened.report.reference}.")
    await audit.record(session=session, school_id=opened.report.school_id,
                       actor_id=_person(event), action=_AUDITED[kind],
                       report_id=opened.id, now=services.now())
    return entry


_AUDITED = {report_events.MESSAGE: audit.MESSAGE, report_events.ACTION: audit.ACTION,
            report_events.OUTCOME: audit.OUTCOME, report_events.CORRECTION: audit.CORRECTION,
            report_events.WITHDRAWN: audit.WITHDRAW, report_events.KEPT: audit.REVIEW_KEEP,
            report_events.HOLD: audit.HOLD, report_events.RELEASED: audit.RELEASE}


async def tell_entry(session: AsyncSession, services: Services, event: Event, opened: Opened,
                      entry: ReportEvent, people: list[int], message: Message) -> None:
    assert entry.id is not None
    entry_id = entry.id
    await tell(session, services, opened.report,
               [p for p in people if p != _person(event)], message,
               lambda person: outbox_keys.report_entry(opened.id, entry_id, person))


async def post(session: AsyncSession, services: Services, event: Event, opened: Opened,
               text: str) -> str:
    """A message in the thread, to the reporter and every reader."""
    fits(text, MAX_TEXT)
    report, number = opened.report, opened.report.reference
    if opened.reader:
        await mark_read(session, services, event, opened)
    entry = await entry_of(session, services, event, opened, report_events.MESSAGE, text)
    readers = await reader_ids(session, report, opened.readers, leaving_out=_person(event))
    if opened.reader:
        who = actor_title(event)
        await tell_entry(session, services, event, opened, entry, [report.reporter_id],
                          Message(f"{who} wrote about your {noun(report)} #{number}:\n{text}",
                                  (Button("Reply", encode(THREAD_PREFIX, "reply", number)),)))
        to_readers = f"{who} wrote in the thread of #{number}:\n{text}"
    else:
        to_readers = f"The person who sent #{number} wrote:\n{text}"
    await tell_entry(session, services, event, opened, entry,
                      [r for r in readers if r != report.reporter_id],
                      Message(to_readers, (thread_button(number),)))
    return f"Sent, privately, in the thread of #{number}."


async def action(session: AsyncSession, services: Services, event: Event, opened: Opened,
                 text: str) -> str:
    """Something a reader did about it, on the record; the other readers are told."""
    fits(text, MAX_TEXT)
    number = opened.report.reference
    await mark_read(session, services, event, opened)
    entry = await entry_of(session, services, event, opened, report_events.ACTION, text)
    readers = await reader_ids(session, opened.report, opened.readers, leaving_out=_person(event))
    await tell_entry(session, services, event, opened, entry, readers, Message(
        f"{actor_title(event)} recorded an action on #{number}:\n{text}", (thread_button(number),)))
    return (f"Action recorded on #{number} (it stays open)."
            + (" The other readers have been told." if readers else ""))


async def outcome(session: AsyncSession, services: Services, event: Event, opened: Opened,
                  text: str) -> str:
    """The outcome: it closes the report (once; a later one updates it, and every one
    stays on the record). The reporter and the other readers are told."""
    fits(text, MAX_TEXT)
    report, number = opened.report, opened.report.reference
    again = report.status == reports.CLOSED
    await mark_read(session, services, event, opened)
    entry = await entry_of(session, services, event, opened, report_events.OUTCOME, text)
    if not again:
        await reports.save(session=session, report=report, status=reports.CLOSED,
                           closed_at=services.now(), closed_by=_person(event))
    told = (f"The outcome of your {noun(report)} #{number} has been updated:" if again
            else f"An outcome has been recorded for your {noun(report)} #{number}:")
    await tell_entry(session, services, event, opened, entry, [report.reporter_id],
                      Message(f"{told}\n{text}", (thread_button(number, "Open the thread"),)))
    readers = await reader_ids(session, report, opened.readers, leaving_out=_person(event))
    verb = "updated the outcome of" if again else "recorded the outcome of"
    await tell_entry(session, services, event, opened, entry,
                      [r for r in readers if r != report.reporter_id],
                      Message(f"{actor_title(event)} {verb} #{number}:\n{text}",
                              (thread_button(number),)))
    if again:
        return (f"Outcome updated for #{number} (the earlier one stays in the thread); the "
                "person who sent it has been told.")
    return f"Outcome recorded for #{number}; the person who sent it has been told."


async def correction(session: AsyncSession, services: Services, event: Event, opened: Opened,
                     text: str) -> str:
    """The reporter's correction: added beside the report, which itself stays as sent."""
    fits(text, MAX_TEXT)
    number = opened.report.reference
    entry = await entry_of(session, services, event, opened, report_events.CORRECTION, text)
    readers = await reader_ids(session, opened.report, opened.readers, leaving_out=_person(event))
    await tell_entry(session, services, event, opened, entry, readers, Message(
        f"The person who sent #{number} added a correction:\n{text}", (thread_button(number),)))
    return (f"Your correction is added to #{number}, dated, beside what you first sent (which "
            f"stays as it was). {sentence(roles_text(opened.readers))} can see it and "
            "have been told.")


async def withdrawal(session: AsyncSession, services: Services, event: Event, opened: Opened,
                     text: str) -> str:
    """The reporter withdraws it, with a reason: it stays on the record, marked withdrawn."""
    fits(text, MAX_REASON)
    report, number = opened.report, opened.report.reference
    if report.status in (reports.CLOSED, reports.WITHDRAWN):
        raise UserError(f"#{number} is already {report.status}; there's nothing to withdraw.")
    entry = await entry_of(session, services, event, opened, report_events.WITHDRAWN, text)
    await reports.save(session=session, report=report, status=reports.WITHDRAWN)
    readers = await reader_ids(session, report, opened.readers, leaving_out=_person(event))
    await tell_entry(session, services, event, opened, entry, readers, Message(
        f"The person who sent #{number} has withdrawn it. Their reason:\n{text}\nIt stays on "
        "the record, and you can still act on it and record an outcome.",
        (thread_button(number),)))
    return (f"#{number} is withdrawn. It stays on the record with your reason (nothing is "
            f"deleted), and {roles_text(opened.readers)} can still act on it. They have been "
            "told.")


def fits(text: str, limit: int) -> None:
    if len(text) > limit:
        raise UserError(f"That's {len(text):,} characters; please keep it to {limit:,} (send "
                        "the rest as another message).")


def _person(event: Event) -> int:
    assert event.sender.person_id is not None
    return event.sender.person_id


__all__ = ["MAX_REASON", "MAX_TEXT", "action", "actor_title", "correction", "entry_of",
           "fits", "mark_read", "outcome", "post", "tell_entry", "thread_button", "withdrawal"]
