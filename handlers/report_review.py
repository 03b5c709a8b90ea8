"""A reader's retention decisions on one report: keep it at its review (with a reason),
delete it at its review (with a reason, confirmed), put it under a legal hold or
lift one. Each is audited and told to the other readers; a deletion's reason stays
in the audit log, encrypted, after the report is gone.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.replies import Message
from handlers.report_access import Opened
from handlers.report_notify import reader_ids, tell
from handlers.report_readers import settings_of
from handlers.report_routing import RECORD_TYPE_LABELS, record_type
from handlers.report_settings import REVIEW, RetentionRule
from handlers.report_writes import (
    MAX_REASON,
    actor_title,
    entry_of,
    fits,
    thread_button,
)
from storage import audit, report_events, reports
from storage.report_models import Report
from storage.retention import delete_reports

REVIEW_AGAIN = dt.timedelta(days=365)  # a record kept on review is reviewed again a year on


def rule_of(services: Services, event: Event, report: Report) -> RetentionRule:
    school = services.config.school(event.school.slug) if event.school is not None else None
    days = school.retention_days if school is not None else 2190
    return settings_of(services, event.school).retention_of(
        record_type(report.category, report.involved), days)


def due_at(report: Report, rule: RetentionRule) -> dt.datetime:
    """When its retention period ends (or, once kept on review, its next review)."""
    return report.keep_until or report.created_at + dt.timedelta(days=rule.days)


def period_text(days: int) -> str:
    years, rest = divmod(days, 365)
    return f"{years} years" if years >= 1 and rest <= 10 else f"{days} days"


def type_text(report: Report) -> str:
    return RECORD_TYPE_LABELS[record_type(report.category, report.involved)]


def _reader_only(opened: Opened, what: str) -> None:
    if not opened.reader:
        raise UserError(f"Only the people who read #{opened.report.reference} can {what} it.")


def may_review(services: Services, event: Event, opened: Opened) -> None:
    """Keeping or deleting is for a record flagged for review, not on hold."""
    _reader_only(opened, "review")
    report = opened.report
    if report.legal_hold:
        raise UserError(f"#{report.reference} is under a legal hold, so it can't be deleted or "
                        "reviewed until the hold is lifted (/release).")
    if report.review_flagged_at is None:
        rule = rule_of(services, event, report)
        when = "" if rule.then != REVIEW else (
            f" Its review is due on {due_at(report, rule):%d %b %Y}.")
        raise UserError(f"#{report.reference} isn't due for review yet.{when}")


async def keep(session: AsyncSession, services: Services, event: Event, opened: Opened,
               text: str) -> str:
    fits(text, MAX_REASON)
    may_review(services, event, opened)
    report, number = opened.report, opened.report.reference
    again = services.now() + REVIEW_AGAIN
    entry = await entry_of(session, services, event, opened, report_events.KEPT, text)
    await reports.save(session=session, report=report, review_flagged_at=None, keep_until=again)
    await _tell_readers(session, services, event, opened, entry.id, Message(
        f"{actor_title(event)} kept #{number} at its retention review:\n{text}\nIt will be "
        f"reviewed again on {again:%d %b %Y}.", (thread_button(number),)))
    return (f"#{number} is kept. Your reason is on its record, and it will be reviewed again "
            f"on {again:%d %b %Y}.")


async def delete(session: AsyncSession, services: Services, event: Event, opened: Opened,
                 text: str) -> str:
    fits(text, MAX_REASON)
    may_review(services, event, opened)
    report, number = opened.report, opened.report.reference
    others = await reader_ids(session, report, opened.readers, leaving_out=_person(event))
    what = type_text(report)
    await delete_reports(session=session, school_id=report.school_id, ids=[opened.id])
    await audit.record(
        session=session, school_id=report.school_id, actor_id=_person(event),
        action=audit.REVIEW_DELETE, report_id=opened.id, now=services.now(),
        reason_enc=services.cipher.encrypt(text),
        detail=f"#{number} ({what}, recorded {report.created_at.date().isoformat()}) deleted "
               f"at its retention review by {actor_title(event)}; reason kept, encrypted")
    await tell(session, services, report, others, Message(
        f"{actor_title(event)} deleted #{number} ({what}) at its retention review. The "
        "audit log keeps a record that it existed, and who deleted it, when and why."),
        lambda person: outbox_keys.report_deleted(report.school_id, number, person))
    return (f"#{number} is deleted, with its thread and evidence. The audit log keeps a record "
            "that it existed, and who deleted it, when and why.")


async def hold(session: AsyncSession, services: Services, event: Event, opened: Opened,
               text: str) -> str:
    fits(text, MAX_REASON)
    _reader_only(opened, "put a legal hold on")
    report, number = opened.report, opened.report.reference
    if report.legal_hold:
        raise UserError(f"#{number} is already under a legal hold.")
    entry = await entry_of(session, services, event, opened, report_events.HOLD, text)
    await reports.save(session=session, report=report, legal_hold=True)
    await _tell_readers(session, services, event, opened, entry.id, Message(
        f"{actor_title(event)} put #{number} under a legal hold:\n{text}\nNothing deletes it "
        "until the hold is lifted.", (thread_button(number),)))
    return (f"#{number} is under a legal hold: retention will not delete it, nor flag it for "
            f"review, until it is lifted with /release {number}.")


async def release(session: AsyncSession, services: Services, event: Event, opened: Opened,
                  text: str) -> str:
    fits(text, MAX_REASON)
    _reader_only(opened, "lift the legal hold on")
    report, number = opened.report, opened.report.reference
    if not report.legal_hold:
        raise UserError(f"#{number} isn't under a legal hold.")
    entry = await entry_of(session, services, event, opened, report_events.RELEASED, text)
    await reports.save(session=session, report=report, legal_hold=False)
    await _tell_readers(session, services, event, opened, entry.id, Message(
        f"{actor_title(event)} lifted the legal hold on #{number}:\n{text}",
        (thread_button(number),)))
    return f"The legal hold on #{number} is lifted; its retention applies again."


async def _tell_readers(session: AsyncSession, services: Services, event: Event,
                        opened: Opened, entry_id: int | None, message: Message) -> None:
    assert entry_id is not None
    others = await reader_ids(session, opened.report, opened.readers,
                              leaving_out=_person(event))
    await tell(session, services, opened.report, others, message,
               lambda person: outbox_keys.report_entry(opened.id, entry_id, person))


def _person(event: Event) -> int:
    assert event.sender.person_id is not None
    return event.sender.person_id


__all__ = ["REVIEW_AGAIN", "delete", "due_at", "hold", "keep", "may_review", "period_text",
           "release", "rule_of", "type_text"]
