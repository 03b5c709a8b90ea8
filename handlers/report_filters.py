"""The filters of /list and /export: ``friend open person:"Alice Ames" since:01/09/2025``.

People are found by the names the list shows (first name, surname or full name, any
case), or their handle; a name that fits several people asks which one.
"""

from __future__ import annotations

import datetime as dt
import shlex
from zoneinfo import ZoneInfo

from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.report_dates import parse_day
from handlers.report_routing import FRIEND_REQUEST, INCIDENT, LOW_LEVEL_CONCERN, SAFEGUARDING
from storage import reports
from storage.models import Person
from storage.reports import ReportFilter

USAGE = ("Filters: friend, report, concern (low-level concerns) or safeguarding; open, read, "
         "unread (by you), closed or withdrawn; person:NAME (who sent it, e.g. person:Alice "
         "or person:\"Alice Ames\"); since:DATE, until:DATE or date:DATE (e.g. "
         "since:01/09/2025). Example: /list friend open since:01/09/2025")
KINDS = {"friend": FRIEND_REQUEST, "friends": FRIEND_REQUEST, "friendrequest": FRIEND_REQUEST,
         "friend_request": FRIEND_REQUEST, "report": INCIDENT, "reports": INCIDENT,
         "incident": INCIDENT, "incidents": INCIDENT}
CATEGORIES = {"concern": LOW_LEVEL_CONCERN, "concerns": LOW_LEVEL_CONCERN,
              "llc": LOW_LEVEL_CONCERN, "low-level": LOW_LEVEL_CONCERN,
              "safeguarding": SAFEGUARDING}
UNREAD = "unread"


def words_of(args: str) -> list[str]:
    """The filter words, ``person:"Alice Ames"`` kept together."""
    try:
        return shlex.split(args)
    except ValueError:  # an unmatched quote
        return args.replace('"', " ").replace("'", " ").split()


async def parse_filter(services: Services, event: Event, args: str) -> ReportFilter:
    """``friend open person:alice since:01/09/2025`` → a :class:`ReportFilter`."""
    found: dict[str, object] = {}
    words = words_of(args)
    while words:
        word = words.pop(0)
        key, _, value = word.partition(":")
        key = key.lower()
        if not value and key in KINDS:
            found["kind"] = KINDS[key]
        elif not value and key in CATEGORIES:
            found["categories"] = (CATEGORIES[key],)
        elif not value and key in reports.STATUSES:
            found["status"] = key
        elif not value and key == UNREAD:
            found["unread_by"] = event.sender.person_id
        elif key == "person" and value:
            name = " ".join([value, *_name_words(words)])
            found["reporter_ids"] = await people_named(services, event, name)
        elif key in ("since", "until", "date") and value:
            found.update(_date_bounds(services, event, key, value))
        else:
            raise UserError(f"I don't understand {word!r}. {USAGE}")
    return ReportFilter(**found)  # type: ignore[arg-type]


def _name_words(words: list[str]) -> list[str]:
    """The words after ``person:Alice`` that go on with the name (``Ames``): up to the next
    filter word."""
    taken: list[str] = []
    while words and not _is_filter(words[0]):
        taken.append(words.pop(0))
    return taken


def _is_filter(word: str) -> bool:
    key, colon, _ = word.partition(":")
    key = key.lower()
    return bool(colon) or key in KINDS or key in CATEGORIES or key in reports.STATUSES or (
        key == UNREAD)


async def people_named(services: Services, event: Event, name: str) -> tuple[int, ...]:
    """The person (or, for someone who left and is listed again, people) called ``name``."""
    assert event.school is not None
    async with services.db.session() as session:
        everyone = await reports.everyone_of_school(session=session, school_id=event.school.id)
    return pick(everyone, name)


def pick(everyone: list[Person], name: str) -> tuple[int, ...]:
    """Who ``name`` is among these people, or a :class:`UserError` saying why not."""
    matches = _matching(everyone, name)
    names = sorted({p.name for p in matches})
    if not matches:
        raise UserError(f"There's no one called {name!r} at your school.")
    if len(names) > 1:
        options = " or ".join(f"person:\"{n}\"" for n in names)
        raise UserError(f"More than one person is called {name!r}: which one? {options}")
    return tuple(p.id for p in matches if p.id is not None)


def _matching(people: list[Person], name: str) -> list[Person]:
    wanted = " ".join(name.casefold().split())
    exact = [p for p in people if wanted in (p.handle.casefold(), p.name.casefold())]
    if exact:
        return exact
    return [p for p in people if wanted in p.name.casefold().split()]


def _date_bounds(services: Services, event: Event, key: str,
                 value: str) -> dict[str, dt.datetime]:
    assert event.school is not None
    zone = ZoneInfo(event.school.timezone)
    day = parse_day(value, today=services.now().astimezone(zone).date())
    if isinstance(day, str):
        raise UserError(day)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = start + dt.timedelta(days=1)
    if key == "since":
        return {"since": start}
    if key == "until":
        return {"until": end}
    return {"since": start, "until": end}
