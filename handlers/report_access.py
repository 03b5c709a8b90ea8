"""Who may open which report, and how one is shown. Every lookup is scoped to the
asker's school; a report someone may not see is "not found", never "forbidden",
so its existence is not revealed either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.parsing import parse_number
from handlers.report_flow import FRIEND_STEPS, INCIDENT_STEPS
from handlers.report_routing import (
    CATEGORY_LABELS,
    FRIEND_REQUEST,
    INVOLVED_LABELS,
    PUPIL_MISUSE,
    ROLE_TITLES,
    may_handle,
)
from storage import reports
from storage.report_models import Report, ReportMessage
from storage.roles import Role

_OPTION_LABELS = {s.name: dict(s.options) for s in (*FRIEND_STEPS, *INCIDENT_STEPS)}
#: How the list names what the member of staff did (the form asks it in the first person).
STAFF_ACTIONS = {"declined": "declined", "ignored": "ignored",
                 "declared": "relationship declared"}


@dataclass(frozen=True, slots=True)
class Opened:
    report: Report
    handler: bool  # the asker is a recipient (not, or not only, the reporter)




def reference_of(text: str, usage: str) -> int:
    """The report number at the start of ``text`` (``"#482913 the rest"``, or followed by a
    new line), or a :class:`UserError` with ``usage``. Only ASCII digits count."""
    words = text.strip().lstrip("#").split(None, 1)
    number = parse_number(words[0] if words else "")
    if number is None:
        raise UserError(usage)
    return number


async def open_report(session: AsyncSession, event: Event, reference: int) -> Opened:
    """The report if this person may see it: its recipient or its reporter."""
    assert event.school is not None
    report = await reports.get(session=session, school_id=event.school.id, reference=reference)
    if report is not None and may_handle(event.sender.role, report.handler_role):
        return Opened(report, handler=True)
    if report is not None and report.reporter_id == event.sender.person_id:
        return Opened(report, handler=False)
    raise UserError(f"I can't find #{reference} among the reports you can see.")


def local(services: Services, event: Event, moment: dt.datetime) -> str:
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    return f"{moment.astimezone(zone):%d %b %Y %H:%M}"


def option(field: str, value: str | None) -> str:
    return "—" if value is None else _OPTION_LABELS.get(field, {}).get(value, value)


def decrypted(services: Services, token: str | None) -> str:
    return "—" if token is None else services.cipher.decrypt(token)


def noun(report: Report) -> str:
    return "friend request" if report.kind == FRIEND_REQUEST else "report"


def title(report: Report) -> str:
    if report.kind == FRIEND_REQUEST:
        return f"Friend request #{report.reference}"
    return f"Report #{report.reference}: {CATEGORY_LABELS[report.category]}"


def render(services: Services, event: Event, report: Report, names: dict[int, str],
           thread: list[ReportMessage]) -> str:
    """The whole report and its thread, for its recipient or its reporter (in private)."""
    lines = [title(report),
             f"From {names.get(report.reporter_id, 'a former member of the school')}, "
             f"{local(services, event, report.created_at)}. "
             f"Sent to {ROLE_TITLES[Role(report.handler_role)]}."]
    lines += _fields(services, report)
    lines.append(f"Status: {report.status}")
    if report.outcome_enc is not None:
        lines.append(f"Outcome: {decrypted(services, report.outcome_enc)}")
    for message in thread:
        what = " recorded the outcome" if message.kind == reports.OUTCOME else ""
        lines.append(f"— {names.get(message.author_id, 'someone')}{what}, "
                     f"{local(services, event, message.created_at)}: "
                     f"{decrypted(services, message.body_enc)}")
    return "\n".join(lines)


def _fields(services: Services, report: Report) -> list[str]:
    if report.kind == FRIEND_REQUEST:
        when = f"{report.occurred_on:%d %b %Y}" if report.occurred_on else "—"
        return [f"Who: {option('contact_type', report.contact_type)}, "
                f"{decrypted(services, report.subject_enc)}",
                f"Platform: {option('platform', report.platform)}. When: {when}",
                f"Staff member's response: {STAFF_ACTIONS.get(report.staff_action or '', '—')}",
                f"Note: {decrypted(services, report.details_enc)}"]
    lines = [f"Who is involved: {INVOLVED_LABELS.get(report.involved or '', '—')}",
             f"What happened: {decrypted(services, report.details_enc)}",
             f"Links: {decrypted(services, report.links_enc)}"]
    if report.category == PUPIL_MISUSE:
        lines.append("The policy says the pupil's parents / carers are to be informed.")
    return lines
