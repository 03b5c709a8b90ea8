"""One report as /view shows it, in private: to a reader, the whole record (what was
sent, its evidence, who reads it and who has, its status, retention and the full
chronology); to the person who sent it, what was sent, who reads it and has read
it, and the thread (messages, outcomes, their corrections)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.context import Services
from handlers.events import Event
from handlers.report_access import Opened
from handlers.report_chronology import FOR_REPORTER, People, first_reads, line
from handlers.report_readers import roles_text, title_of
from handlers.report_review import due_at, period_text, rule_of
from handlers.report_routing import FRIEND_REQUEST, INVOLVED_LABELS, PUPIL_MISUSE
from handlers.report_settings import REVIEW
from handlers.report_submit import files_text
from handlers.report_text import (
    STAFF_ACTIONS,
    decrypted,
    local,
    occurred_text,
    option,
    platform_text,
    title,
)
from storage import reports
from storage.evidence import EvidenceInfo
from storage.models import Person
from storage.report_models import Report, ReportEvent


@dataclass(frozen=True, slots=True)
class Record:
    """Everything /view shows of one report."""

    opened: Opened
    entries: Sequence[ReportEvent]
    files: Sequence[EvidenceInfo]
    people: People
    readers_now: Sequence[Person]  # who holds its reader roles today


def render(services: Services, event: Event, record: Record) -> str:
    report = record.opened.report
    reporter = record.people.title(report.reporter_id, "a former member of the school")
    lines = [title(report),
             f"From {reporter}, recorded {local(services, event, report.created_at)}."]
    lines += _fields(services, report)
    lines.append(f"Evidence: {files_text(list(record.files))}")
    now = ", ".join(p.name for p in record.readers_now) or "no one"
    lines.append(f"Readers: {roles_text(record.opened.readers)} (now: {now})")
    lines.append(_read_state(services, event, record))
    lines.append(_status(services, event, record))
    outcome = _latest_outcome(services, record.entries)
    if outcome is not None:
        lines.append(f"Outcome: {outcome}")
    if record.opened.reader:
        lines += _retention(services, event, report)
    shown = [e for e in record.entries if record.opened.reader or e.kind in FOR_REPORTER]
    if shown:
        lines.append("History:" if record.opened.reader else "Thread:")
        lines += [f"— {local(services, event, e.created_at)} · "
                  f"{line(services, record.people, e)}" for e in shown]
    return "\n".join(lines)


def _fields(services: Services, report: Report) -> list[str]:
    if report.kind == FRIEND_REQUEST:
        return [f"Who: {option('contact_type', report.contact_type)}, "
                f"{decrypted(services, report.subject_enc)}",
                f"Platform: {platform_text(services, report)}. When: {occurred_text(report)}",
                f"Staff member's response: {STAFF_ACTIONS.get(report.staff_action or '', '—')}",
                f"Note: {decrypted(services, report.details_enc)}"]
    lines = [f"Who is involved: {INVOLVED_LABELS.get(report.involved or '', '—')}",
             f"When it happened: {occurred_text(report)}",
             f"What happened: {decrypted(services, report.details_enc)}",
             f"Links: {decrypted(services, report.links_enc)}"]
    if report.category == PUPIL_MISUSE:
        lines.append("The policy says the pupil's parents / carers are to be informed.")
    return lines


def _read_state(services: Services, event: Event, record: Record) -> str:
    """Who has read it (when), and, for its readers, who hasn't yet."""
    reads = first_reads(record.entries)
    done = {e.actor_id for e in reads}
    parts = [f"{record.people.title(e.actor_id, 'a reader')}, "
             f"{local(services, event, e.created_at)}" for e in reads]
    text = f"Read by: {'; '.join(parts)}" if parts else "Read by: no one yet"
    waiting = [title_of(p) for p in record.readers_now if p.id not in done]
    if record.opened.reader and waiting:
        text += f". Not yet read by: {'; '.join(waiting)}"
    return text + "."


def _status(services: Services, event: Event, record: Record) -> str:
    report = record.opened.report
    if report.status == reports.CLOSED and report.closed_at is not None:
        return (f"Status: closed by {record.people.title(report.closed_by)}, "
                f"{local(services, event, report.closed_at)}")
    if report.status == reports.WITHDRAWN:
        return "Status: withdrawn by the person who sent it (it stays on the record)"
    return "Status: open"


def _latest_outcome(services: Services, entries: Sequence[ReportEvent]) -> str | None:
    outcomes = [e for e in entries if e.kind == "outcome" and e.body_enc is not None]
    return services.cipher.decrypt(outcomes[-1].body_enc or "") if outcomes else None


def _retention(services: Services, event: Event, report: Report) -> list[str]:
    if report.legal_hold:
        return ["Retention: under a legal hold (never deleted while it lasts)."]
    rule = rule_of(services, event, report)
    if report.review_flagged_at is not None:
        return [f"Retention: its period ({period_text(rule.days)}) has ended: it is waiting "
                "for a reader to keep it or delete it."]
    verb = "review" if rule.then == REVIEW else "deletion"
    return [f"Retention: {period_text(rule.days)}, then {verb} "
            f"({due_at(report, rule):%d %b %Y})."]
