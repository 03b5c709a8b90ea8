"""/export: what /list shows (same filters, no limit), one row per report, as a CSV file a
safeguarding system (CPOMS, MyConcern, a spreadsheet) can take. Every moment is ISO
8601 with the school's UTC offset; a cell with several entries has one per line,
oldest first, each ``<moment> <who>: <text>``. The columns are documented one by one
in the README ("The export, column by column"); :data:`COLUMNS` is their order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handlers import outbox_keys
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Document, Reply, whisper
from handlers.report_chronology import People, first_reads, line, of_kind, person_ids
from handlers.report_readers import roles_text
from handlers.report_review import due_at, period_text, rule_of, type_text
from handlers.report_routing import CATEGORY_LABELS, FRIEND_REQUEST, INVOLVED_LABELS, ROLE_NAMES
from handlers.report_settings import REVIEW
from handlers.report_text import STAFF_ACTIONS, iso, occurred_iso, option, platform_text, zone_of
from storage import audit, evidence, report_events, reports
from storage import report_events as ev
from storage.evidence import EvidenceInfo
from storage.models import id_of
from storage.report_models import Report, ReportEvent
from storage.reports import ReportFilter
from storage.roles import Role

COLUMNS = (
    "reference", "kind", "category", "record_type", "occurred_at", "recorded_at", "reporter",
    "reporter_role", "involved", "contact_type", "name_or_initials", "platform",
    "staff_response", "details", "links", "evidence_count", "evidence", "readers",
    "notified", "reads", "thread", "actions_and_outcomes", "corrections", "withdrawn",
    "status", "outcome", "closed_by", "closed_at", "legal_hold", "retention", "chronology",
)


@dataclass(frozen=True, slots=True)
class _Loaded:
    rows: list[Report]
    readers: Mapping[int, tuple[str, ...]]
    entries: Mapping[int, list[ReportEvent]]
    files: Mapping[int, list[EvidenceInfo]]
    views: Mapping[tuple[int, int], tuple[int, dt.datetime]]
    people: People
    sent: Mapping[str, tuple[str, dt.datetime | None]]  # notification key → status, sent at


async def export(services: Services, event: Event, where: ReportFilter) -> list[Reply]:
    loaded = await _load(services, event, where)
    assert event.school is not None
    if not loaded.rows:
        return [whisper("Nothing to export" + (" with those filters." if event.args
                                               else " yet."))]
    day = services.now().astimezone(zone_of(event)).date()
    name = f"policybot-{event.school.slug}-{day.isoformat()}.csv"
    count = len(loaded.rows)
    return [whisper(f"{count} {'entry' if count == 1 else 'entries'}, as a spreadsheet. Keep "
                    "it somewhere safe: it holds personal information. The README explains "
                    "each column.", document=Document(name, _csv(services, event, loaded)))]


async def _load(services: Services, event: Event, where: ReportFilter) -> _Loaded:
    """The reports this person reads, with all their record; audited as an export."""
    assert event.school is not None
    school_id = event.school.id
    async with services.db.session() as session:
        rows = await reports.search(session=session, school_id=school_id,
                                    reader_role=str(event.sender.role), where=where)
        ids = [id_of(r) for r in rows]
        entries = await report_events.of_reports(session=session, report_ids=ids)
        files = await evidence.of_reports(session=session, report_ids=ids)
        wanted = {r.reporter_id for r in rows} | {r.closed_by for r in rows} | {
            i for es in entries.values() for i in person_ids(es)}
        keys = [outbox_keys.report_notified(rid, e.person_id) for rid, es in entries.items()
                for e in of_kind(es, ev.NOTIFIED) if e.person_id is not None]
        loaded = _Loaded(rows, await reports.readers_of(session=session, report_ids=ids),
                         entries, files,
                         await audit.views_of(session=session, school_id=school_id,
                                              report_ids=ids),
                         People(await reports.people_of(session=session, school_id=school_id,
                                                        person_ids=wanted)),
                         await reports.deliveries(session=session, school_id=school_id,
                                                  keys=keys))
        count = len(rows)
        await audit.record(session=session, school_id=school_id,
                           actor_id=event.sender.person_id, action=audit.EXPORT,
                           detail=f"{count} {'entry' if count == 1 else 'entries'}; "
                                  f"filters: {event.args or 'none'}", now=services.now())
    return loaded


def _csv(services: Services, event: Event, loaded: _Loaded) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for report in loaded.rows:
        row = _row(services, event, loaded, report)
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def _row(services: Services, event: Event, loaded: _Loaded, report: Report) -> dict[str, str]:
    rid = id_of(report)
    entries, files, people = loaded.entries.get(rid, []), loaded.files.get(rid, []), loaded.people
    reporter = people.by_id.get(report.reporter_id)

    def dec(token: str | None) -> str:
        return "" if token is None else services.cipher.decrypt(token)

    def entries_text(kinds: Sequence[str]) -> str:
        return "\n".join(f"{iso(event, e.created_at)} {line(services, people, e)}"
                         for e in of_kind(entries, *kinds))

    return {
        "reference": str(report.reference),
        "kind": "friend request" if report.kind == FRIEND_REQUEST else "report",
        "category": CATEGORY_LABELS[report.category], "record_type": type_text(report),
        "occurred_at": occurred_iso(event, report), "recorded_at": iso(event, report.created_at),
        "reporter": reporter.name if reporter is not None else "",
        "reporter_role": _role(reporter.role if reporter is not None else ""),
        "involved": INVOLVED_LABELS.get(report.involved or "", ""),
        "contact_type": "" if report.contact_type is None else option("contact_type",
                                                                      report.contact_type),
        "name_or_initials": dec(report.subject_enc),
        "platform": "" if report.platform is None else platform_text(services, report),
        "staff_response": STAFF_ACTIONS.get(report.staff_action or "", ""),
        "details": dec(report.details_enc), "links": dec(report.links_enc),
        "evidence_count": str(len(files)),
        "evidence": "\n".join(f"{iso(event, f.created_at)} {f.filename} ({f.mime_type}, "
                              f"{f.size} bytes, sha256 {f.sha256})" for f in files),
        "readers": roles_text(loaded.readers.get(rid, ())),
        "notified": _notified(event, loaded, rid, entries),
        "reads": _reads(event, loaded, rid, entries),
        "thread": entries_text([ev.MESSAGE]),
        "actions_and_outcomes": entries_text([ev.ACTION, ev.OUTCOME]),
        "corrections": entries_text([ev.CORRECTION]), "withdrawn": entries_text([ev.WITHDRAWN]),
        "status": report.status, "outcome": _latest(services, entries),
        "closed_by": people.title(report.closed_by, "") if report.closed_by else "",
        "closed_at": iso(event, report.closed_at),
        "legal_hold": "yes" if report.legal_hold else "no",
        "retention": _retention(services, event, report),
        "chronology": entries_text([e.kind for e in entries]),
    }


def _notified(event: Event, loaded: _Loaded, rid: int, entries: Sequence[ReportEvent]) -> str:
    """Each person told: when the message was queued, and when it was delivered."""
    lines = []
    for entry in of_kind(entries, ev.NOTIFIED):
        text = f"{iso(event, entry.created_at)} {loaded.people.title(entry.person_id)} told"
        status, sent = loaded.sent.get(
            outbox_keys.report_notified(rid, entry.person_id or 0), ("", None))
        if sent is not None:
            text += f" (delivered {iso(event, sent)})"
        elif status in ("pending", "failed"):
            text += " (not delivered yet)" if status == "pending" else " (could not be delivered)"
        lines.append(text)
    return "\n".join(lines)


def _reads(event: Event, loaded: _Loaded, rid: int, entries: Sequence[ReportEvent]) -> str:
    """Each reader's first read; how often they opened it and when last (the audit log)."""
    lines = []
    for entry in first_reads(entries):
        text = f"{iso(event, entry.created_at)} {loaded.people.title(entry.actor_id, 'a reader')}"
        seen = loaded.views.get((rid, entry.actor_id or 0))
        if seen is not None:
            times, last = seen
            text += f" (opened {times} time{'s' if times != 1 else ''}, last {iso(event, last)})"
        lines.append(text)
    return "\n".join(lines)


def _latest(services: Services, entries: Sequence[ReportEvent]) -> str:
    outcomes = [e for e in of_kind(entries, ev.OUTCOME) if e.body_enc is not None]
    return services.cipher.decrypt(outcomes[-1].body_enc or "") if outcomes else ""


def _retention(services: Services, event: Event, report: Report) -> str:
    rule = rule_of(services, event, report)
    then = "review" if rule.then == REVIEW else "delete"
    text = (f"{period_text(rule.days)}, then {then}; due "
            f"{due_at(report, rule).astimezone(zone_of(event)).date().isoformat()}")
    if report.review_flagged_at is not None:
        text += f"; flagged for review {iso(event, report.review_flagged_at)}"
    return text


def _role(value: str) -> str:
    if value in set(Role) and Role(value) in ROLE_NAMES:
        return ROLE_NAMES[Role(value)]
    return value.replace("_", " ")


def _cell(value: object) -> str:
    """Spreadsheet-safe: text that starts like a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
