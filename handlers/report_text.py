"""How reports read to people: titles, local times, option labels, decrypted text, and
ISO 8601 moments for files."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from handlers.context import Services
from handlers.events import Event
from handlers.report_flow import FRIEND_STEPS, INCIDENT_STEPS
from handlers.report_routing import CATEGORY_LABELS, FRIEND_REQUEST, sentence
from storage.report_models import Report

_OPTION_LABELS = {s.name: dict(s.options) for s in (*FRIEND_STEPS, *INCIDENT_STEPS)}
#: How the list names what the member of staff did (the form asks it in the first person).
STAFF_ACTIONS = {"declined": "declined", "ignored": "ignored",
                 "declared": "relationship declared"}
MAX_SHOWN = 60  # characters of a name or note in a one-line list entry


def zone_of(event: Event) -> ZoneInfo:
    return ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")


def local(services: Services, event: Event, moment: dt.datetime) -> str:
    return f"{moment.astimezone(zone_of(event)):%d %b %Y %H:%M}"


def iso(event: Event, moment: dt.datetime | None) -> str:
    """ISO 8601, in the school's time with its offset (``2026-03-03T14:05:00+00:00``)."""
    if moment is None:
        return ""
    return moment.astimezone(zone_of(event)).isoformat(timespec="seconds")


def occurred_iso(event: Event, report: Report) -> str:
    """When it happened: a date, or a date and time with the school's offset then."""
    if report.occurred_on is None:
        return ""
    if report.occurred_time is None:
        return report.occurred_on.isoformat()
    moment = dt.datetime.combine(report.occurred_on, report.occurred_time, zone_of(event))
    return moment.isoformat(timespec="minutes")


def occurred_text(report: Report) -> str:
    if report.occurred_on is None:
        return "—"
    at = f", {report.occurred_time:%H:%M}" if report.occurred_time is not None else ""
    return f"{report.occurred_on:%d %b %Y}{at}"


def option(field: str, value: str | None) -> str:
    return "—" if value is None else _OPTION_LABELS.get(field, {}).get(value, value)


def decrypted(services: Services, token: str | None) -> str:
    return "—" if token is None else services.cipher.decrypt(token)


def clipped(text: str, limit: int = MAX_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def platform_text(services: Services, report: Report) -> str:
    if report.platform == "other" and report.platform_other_enc is not None:
        return f"Other ({services.cipher.decrypt(report.platform_other_enc)})"
    return option("platform", report.platform)


def noun(report: Report) -> str:
    return "friend request" if report.kind == FRIEND_REQUEST else "report"


def title(report: Report) -> str:
    if report.kind == FRIEND_REQUEST:
        return f"Friend request #{report.reference}"
    return f"Report #{report.reference}: {CATEGORY_LABELS[report.category]}"


def what_text(report: Report) -> str:
    """``Friend request`` or the category, with a capital."""
    return sentence("friend request" if report.kind == FRIEND_REQUEST
                    else CATEGORY_LABELS[report.category])
