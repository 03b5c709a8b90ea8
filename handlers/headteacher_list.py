"""The Headteacher's list: /list and /export for the readers of reports, /mine for everyone
who sent something (and their drafts). Private chats only; every look is audited.

Each reader sees exactly the reports their role reads (the roles stored with each
report, by the one rule in :func:`handlers.report_routing.may_read`): by default the
Headteacher the friend-request list and most reports, the DSL and deputy DSLs
safeguarding concerns, the Chair of Governors whatever involves the Headteacher. The
friend-request list, low-level concerns and other reports are listed apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers import report_drafts as drafts
from handlers import report_flow as flow
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Reply, whisper
from handlers.report_chronology import People, first_reads
from handlers.report_export import export
from handlers.report_filters import parse_filter
from handlers.report_prompts import drop_prompt
from handlers.report_readers import roles_text
from handlers.report_routing import CATEGORY_LABELS, FRIEND_REQUEST, LOW_LEVEL_CONCERN
from handlers.report_text import (
    STAFF_ACTIONS,
    clipped,
    decrypted,
    local,
    option,
    platform_text,
    what_text,
)
from handlers.router import Group, Router, Where
from storage import audit, conversations, report_events, reports
from storage.models import id_of
from storage.report_models import Report, ReportEvent
from storage.reports import ReportFilter
from storage.roles import LEADERSHIP_ROLES, Role

RECENT = 20


def section_of(report: Report) -> str:
    """The friend-request list, low-level concerns and other reports are listed apart."""
    if report.kind == FRIEND_REQUEST:
        return "Friend requests (the list):"
    return "Low-level concerns:" if report.category == LOW_LEVEL_CONCERN else "Reports:"


SECTIONS = ("Friend requests (the list):", "Low-level concerns:", "Reports:")


def register(router: Router) -> None:
    @router.command("list", roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                    summary="the friend-request list and the reports you read")
    async def list_(services: Services, event: Event) -> list[Reply]:
        return await _dropping_prompt(services, event, await show_list(services, event))

    @router.command("export", roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                    summary="what /list shows, in full, as a CSV file sent to you privately")
    async def export_(services: Services, event: Event) -> list[Reply]:
        where = await parse_filter(services, event, event.args)
        return await _dropping_prompt(services, event, await export(services, event, where))

    @router.command("mine", roles=frozenset(Role), where=Where.PRIVATE,
                    summary="what you have reported or logged (and any draft), and where it is")
    async def mine_(services: Services, event: Event) -> list[Reply]:
        return await _dropping_prompt(services, event, await mine(services, event))


async def _dropping_prompt(services: Services, event: Event, replies: list[Reply]) -> list[Reply]:
    """A command between a "type your message" prompt and its answer drops the prompt."""
    assert event.sender.person_id is not None
    async with services.db.session() as session:
        dropped = await drop_prompt(session, event.sender.person_id)
    return [*dropped, *replies]


async def show_list(services: Services, event: Event) -> list[Reply]:
    assert event.school is not None
    assert event.sender.person_id is not None
    where = await parse_filter(services, event, event.args)
    async with services.db.session() as session:
        rows = await reports.search(session=session, school_id=event.school.id,
                                    reader_role=str(event.sender.role), where=where,
                                    limit=RECENT)
        people = await reports.people_of(session=session, school_id=event.school.id,
                                         person_ids={r.reporter_id for r in rows})
        entries = await report_events.of_reports(session=session,
                                                 report_ids=[id_of(r) for r in rows])
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=audit.LIST,
                           detail=f"{_entries(len(rows))}; filters: {event.args or 'none'}",
                           now=services.now())
    if not rows:
        return [whisper("Nothing to show" + (" with those filters." if event.args else " yet."))]
    lines = [f"The {len(rows)} most recent:" if len(rows) == RECENT
             else f"{_entries(len(rows))}:"]
    for heading in SECTIONS:
        mine = [r for r in rows if section_of(r) == heading]
        if mine:
            lines.append(heading)
            lines += [_line(services, event, r, People(people),
                            entries.get(id_of(r), [])) for r in mine]
    lines.append("Read one with /view NUMBER. /export sends them all as a spreadsheet (CSV).")
    return [whisper("\n".join(lines))]


def status_for(report: Report, entries: Sequence[ReportEvent], person_id: int | None) -> str:
    """The status as this reader needs it: whether *they* have read it."""
    if report.status in (reports.CLOSED, reports.WITHDRAWN):
        return report.status
    readers = {e.actor_id for e in first_reads(entries)}
    if person_id in readers:
        return "read"
    return "open, new to you" if not readers else "read by others, new to you"


def _line(services: Services, event: Event, report: Report, people: People,
          entries: Sequence[ReportEvent]) -> str:
    when = local(services, event, report.created_at)[:11]
    sender = people.title(report.reporter_id, "?").split(" (")[0]
    status = status_for(report, entries, event.sender.person_id)
    if report.kind == FRIEND_REQUEST:
        return (f"#{report.reference} · {when} · friend request · "
                f"{option('contact_type', report.contact_type).lower()} "
                f"{clipped(decrypted(services, report.subject_enc))} · "
                f"{platform_text(services, report)} · "
                f"{STAFF_ACTIONS.get(report.staff_action or '', '—')} · "
                f"{status} · from {sender}")
    return (f"#{report.reference} · {when} · {CATEGORY_LABELS[report.category]} · "
            f"{status} · from {sender}")


async def mine(services: Services, event: Event) -> list[Reply]:
    assert event.school is not None
    assert event.sender.person_id is not None
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=event.sender.person_id)
        rows = await reports.search(session=session, school_id=event.school.id,
                                    reader_role=None, limit=RECENT,
                                    where=ReportFilter(reporter_ids=(event.sender.person_id,)))
        ids = [id_of(r) for r in rows]
        readers = await reports.readers_of(session=session, report_ids=ids)
        entries = await report_events.of_reports(session=session, report_ids=ids)
        people = await reports.people_of(session=session, school_id=event.school.id,
                                         person_ids={e.actor_id for es in entries.values()
                                                     for e in es})
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=audit.LIST,
                           detail=f"own submissions: {len(rows)} shown", now=services.now())
    draft = dict(row.state) if row is not None and row.kind == flow.DRAFT else None
    lines = [_draft_line(event, draft)] if draft is not None else []
    if rows:
        lines.append("What you've sent:")
        lines += [f"#{r.reference} · {local(services, event, r.created_at)} · {what_text(r)} · "
                  f"for {roles_text(readers.get(id_of(r), ()))} · "
                  f"{_reporter_status(r, entries.get(id_of(r), []), People(people))}"
                  for r in rows]
        lines.append("Open one (and its thread) with /view NUMBER.")
    if not lines:
        return [whisper("You haven't sent anything yet. /report or /friendrequest, any time.")]
    if not rows:
        lines.append("You haven't sent anything yet.")
    return [whisper("\n".join(lines))]


def _draft_line(event: Event, draft: flow.State) -> str:
    return (f"Not sent yet: a {drafts.what(draft)} you started on "
            f"{drafts.started_text(event, draft)}, {drafts.where_text(draft)}. Reply here to "
            "carry on, or send /cancel to drop it.")


def _reporter_status(report: Report, entries: Sequence[ReportEvent], people: People) -> str:
    if report.status in (reports.CLOSED, reports.WITHDRAWN):
        return report.status
    reads = first_reads(entries)
    if not reads:
        return "not read yet"
    return "read by " + ", ".join(people.title(e.actor_id, "a reader") for e in reads)


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"
