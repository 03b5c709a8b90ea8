"""The Headteacher's list: /list and /export for the people reports go to, /mine for
everyone who sent something. Private chats only; every look is audited.

The Headteacher sees everything routed to the Headteacher or the DSL, never what
was routed to the Chair of Governors; the DSL sees safeguarding items; the Chair
sees what involves the Headteacher.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.replies import Document, Reply, whisper
from handlers.report_access import STAFF_ACTIONS, decrypted, local, option, title
from handlers.report_flow import date_problem, parse_date
from handlers.report_routing import (
    CATEGORY_LABELS,
    FRIEND_REQUEST,
    INCIDENT,
    INVOLVED_LABELS,
    ROLE_TITLES,
    visible_roles,
)
from handlers.report_thread import drop_prompt
from handlers.router import Group, Router, Where
from storage import audit, directory, reports
from storage.report_models import Report
from storage.reports import ReportFilter
from storage.roles import LEADERSHIP_ROLES, Role

RECENT = 20
USAGE = ("Filters: friend or report; open, read or closed; person:HANDLE (who sent it); "
         "since:DATE, until:DATE or date:DATE (e.g. since:01/09/2025). "
         "Example: /list friend open since:01/09/2025")
KINDS = {"friend": FRIEND_REQUEST, "friends": FRIEND_REQUEST, "friendrequest": FRIEND_REQUEST,
         "friend_request": FRIEND_REQUEST, "report": INCIDENT, "reports": INCIDENT,
         "incident": INCIDENT, "incidents": INCIDENT}
STATUSES = (reports.OPEN, reports.READ, reports.CLOSED)
CSV_COLUMNS = ("number", "received", "kind", "category", "sent_by", "sent_to", "who",
               "name_or_initials", "platform", "date", "what_staff_did", "who_is_involved",
               "details", "links", "status", "read", "outcome")


def register(router: Router) -> None:
    @router.command("list", roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                    summary="the reports and friend requests sent to you")
    async def list_(services: Services, event: Event) -> list[Reply]:
        return await _dropping_prompt(services, event, await show_list(services, event))

    @router.command("export", roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                    summary="the list as a CSV file, sent to you privately")
    async def export_(services: Services, event: Event) -> list[Reply]:
        return await _dropping_prompt(services, event, await export(services, event))

    @router.command("mine", roles=frozenset(Role), where=Where.PRIVATE,
                    summary="what you have reported or logged, and where it is")
    async def mine_(services: Services, event: Event) -> list[Reply]:
        return await _dropping_prompt(services, event, await mine(services, event))


async def _dropping_prompt(services: Services, event: Event, replies: list[Reply]) -> list[Reply]:
    """A command between a "type your message" prompt and its answer drops the prompt."""
    assert event.sender.person_id is not None
    async with services.db.session() as session:
        dropped = await drop_prompt(session, event.sender.person_id)
    return [*dropped, *replies]


async def parse_filter(services: Services, event: Event, args: str) -> ReportFilter:
    """``friend open person:alice since:01/09/2025`` → a :class:`ReportFilter`."""
    found: dict[str, object] = {}
    for word in args.split():
        key, _, value = word.partition(":")
        key = key.lower()
        if not value and key in KINDS:
            found["kind"] = KINDS[key]
        elif not value and key in STATUSES:
            found["status"] = key
        elif key == "person" and value:
            found["reporter_id"] = await _person_id(services, event, value)
        elif key in ("since", "until", "date") and value:
            found.update(_date_bounds(services, event, key, value))
        else:
            raise UserError(f"I don't understand {word!r}. {USAGE}")
    return ReportFilter(**found)  # type: ignore[arg-type]


async def show_list(services: Services, event: Event) -> list[Reply]:
    where = await parse_filter(services, event, event.args)
    rows, names = await _visible(services, event, where, RECENT, audit.LIST)
    if not rows:
        return [whisper("Nothing to show" + (" with those filters." if event.args else " yet."))]
    lines = [f"The {len(rows)} most recent:" if len(rows) == RECENT
             else f"{_entries(len(rows))}:"]
    lines += [_line(services, event, r, names) for r in rows]
    lines.append("Read one with /view NUMBER. /export sends them all as a spreadsheet (CSV).")
    return [whisper("\n".join(lines))]


async def export(services: Services, event: Event) -> list[Reply]:
    where = await parse_filter(services, event, event.args)
    rows, names = await _visible(services, event, where, None, audit.EXPORT)
    assert event.school is not None
    day = services.now().astimezone(ZoneInfo(event.school.timezone)).date()
    name = f"policybot-{event.school.slug}-{day.isoformat()}.csv"
    content = _csv(services, event, rows, names)
    return [whisper(f"{_entries(len(rows))}, as a spreadsheet. Keep it somewhere safe: it holds "
                    "personal information.", document=Document(name, content))]


async def mine(services: Services, event: Event) -> list[Reply]:
    assert event.school is not None
    assert event.sender.person_id is not None
    async with services.db.session() as session:
        rows = await reports.search(session=session, school_id=event.school.id,
                                    handler_roles=None, limit=RECENT,
                                    where=ReportFilter(reporter_id=event.sender.person_id))
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=audit.LIST,
                           detail=f"own submissions: {len(rows)} shown", now=services.now())
    if not rows:
        return [whisper("You haven't sent anything yet. /report or /friendrequest, any time.")]
    lines = ["What you've sent:"] + [
        f"#{r.reference} · {local(services, event, r.created_at)} · {title(r).split(': ', 1)[-1]}"
        f" · to {ROLE_TITLES[Role(r.handler_role)]} · {r.status}" for r in rows]
    lines.append("Open one (and its thread) with /view NUMBER.")
    return [whisper("\n".join(lines))]


async def _visible(services: Services, event: Event, where: ReportFilter, limit: int | None,
                   action: str) -> tuple[list[Report], dict[int, str]]:
    """The reports this person may see, audited as ``action``."""
    assert event.school is not None
    roles = {str(r) for r in visible_roles(event.sender.role)}
    async with services.db.session() as session:
        rows = await reports.search(session=session, school_id=event.school.id,
                                    handler_roles=roles, where=where, limit=limit)
        names = await reports.names_of(session=session, school_id=event.school.id,
                                       person_ids={r.reporter_id for r in rows})
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=action,
                           detail=f"{_entries(len(rows))}; filters: {event.args or 'none'}",
                           now=services.now())
    return rows, names


def _line(services: Services, event: Event, report: Report, names: dict[int, str]) -> str:
    when = local(services, event, report.created_at)[:11]
    sender = names.get(report.reporter_id, "?")
    if report.kind == FRIEND_REQUEST:
        return (f"#{report.reference} · {when} · friend request · "
                f"{option('contact_type', report.contact_type).lower()} "
                f"{decrypted(services, report.subject_enc)} · "
                f"{option('platform', report.platform)} · "
                f"{STAFF_ACTIONS.get(report.staff_action or '', '—')} · "
                f"{report.status} · from {sender}")
    return (f"#{report.reference} · {when} · {CATEGORY_LABELS[report.category]} · "
            f"{report.status} · from {sender}")


def _csv(services: Services, event: Event, rows: list[Report], names: dict[int, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.reference, local(services, event, r.created_at), "friend request"
            if r.kind == FRIEND_REQUEST else "report", CATEGORY_LABELS[r.category],
            names.get(r.reporter_id, ""), ROLE_TITLES[Role(r.handler_role)],
            _opt("contact_type", r.contact_type), _dec(services, r.subject_enc),
            _opt("platform", r.platform), r.occurred_on.isoformat() if r.occurred_on else "",
            STAFF_ACTIONS.get(r.staff_action or "", ""), INVOLVED_LABELS.get(r.involved or "", ""),
            _dec(services, r.details_enc), _dec(services, r.links_enc), r.status,
            local(services, event, r.read_at) if r.read_at else "",
            _dec(services, r.outcome_enc))])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _cell(value: object) -> str:
    """Spreadsheet-safe: text that starts like a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _opt(field: str, value: str | None) -> str:
    return "" if value is None else option(field, value)


def _dec(services: Services, token: str | None) -> str:
    return "" if token is None else decrypted(services, token)


async def _person_id(services: Services, event: Event, handle: str) -> int:
    assert event.school is not None
    async with services.db.session() as session:
        person = await directory.person_by_handle(session=session, school_id=event.school.id,
                                                  handle=handle)
    if person is None or person.id is None:
        raise UserError(f"There's no one called {handle!r} at your school.")
    return person.id


def _date_bounds(services: Services, event: Event, key: str,
                 value: str) -> dict[str, dt.datetime]:
    assert event.school is not None
    zone = ZoneInfo(event.school.timezone)
    today = services.now().astimezone(zone).date()
    day = parse_date(value, today=today)
    if day is None:
        raise UserError(date_problem(value, today=today) or (
            f"I can't read {value!r} as a date, e.g. 01/09/2025 (not a future one)."))
    start = dt.datetime.combine(day, dt.time(), zone)
    end = start + dt.timedelta(days=1)
    if key == "since":
        return {"since": start}
    if key == "until":
        return {"until": end}
    return {"since": start, "until": end}
