"""Dates and times people type ("yesterday 3pm", "03/03/2026 14:30", "29/02"), read in
UK order, never in the future; and, when one can't be read, a sentence saying why
(an impossible day, a month that is too short, a date still to come).

Pure functions: the caller passes today's date in the school's timezone.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["parse_day", "parse_time", "parse_when"]

EXAMPLE = "Type it like 03/03/2026 (day/month/year), or choose Today or Yesterday."
_FULL_DATES = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y",
               "%d.%m.%Y")
_NO_YEAR = ("%d %B", "%d %b", "%d/%m")
_FUTURE_WORDS = ("tomorrow", "next week", "next month", "later", "tonight")
_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?$")
_TIME = re.compile(r"(?:\bat\s+)?\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_when(text: str, *, today: dt.date) -> tuple[dt.date, dt.time | None] | str:
    """A date, optionally followed by a time of day; or why it can't be read."""
    day_text, time = _split_time(_cleaned(text))
    if isinstance(time, str):
        return time
    day = parse_day(day_text, today=today)
    return day if isinstance(day, str) else (day, time)


def parse_day(text: str, *, today: dt.date) -> dt.date | str:
    """A date (today, yesterday, a weekday, or typed), or why it can't be read."""
    cleaned = _cleaned(text).lower().removeprefix("on ").removeprefix("last ")
    if not cleaned:
        return f"Please say when it happened. {EXAMPLE}"
    if any(cleaned.startswith(word) for word in _FUTURE_WORDS):
        return f"{text.strip()!r} is still to come: when did it happen? {EXAMPLE}"
    relative = {"today": today, "yesterday": today - dt.timedelta(days=1)}.get(cleaned)
    if relative is None and cleaned in _WEEKDAYS:
        relative = today - dt.timedelta(days=(today.weekday() - _WEEKDAYS[cleaned]) % 7)
    found = relative or _typed(cleaned, today)
    if isinstance(found, str):
        return found
    if found > today:
        return (f"{found:%d/%m/%Y} is in the future: when did it happen? "
                "(Today is " f"{today:%d/%m/%Y}.)")
    return found


def parse_time(text: str) -> dt.time | str | None:
    """``14:30``, ``2:30pm``, ``9am`` → a time; None if ``text`` is no time at all; a
    sentence if it looks like one but isn't (``25:00``)."""
    match = _TIME.fullmatch(text.strip())
    if match is None or (match.group(2) is None and match.group(3) is None):
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix and not 1 <= hour <= 12:
        return f"{text.strip()} isn't a time of day: use e.g. 14:30 or 2:30pm."
    hour = hour % 12 + (12 if suffix == "pm" else 0) if suffix else hour
    if hour > 23 or minute > 59:
        return f"{text.strip()} isn't a time of day: use e.g. 14:30 or 2:30pm."
    return dt.time(hour, minute)


def _split_time(cleaned: str) -> tuple[str, dt.time | str | None]:
    """``"yesterday at 3pm"`` → ``("yesterday", 15:00)``."""
    words = cleaned.split(" ")
    for take in (2, 1):
        if len(words) > take:
            tail = " ".join(words[-take:])
            time = parse_time(tail)
            if time is not None:
                return " ".join(words[:-take]).removesuffix(" at").strip(), time
    return cleaned, None


def _typed(cleaned: str, today: dt.date) -> dt.date | str:
    numeric = _NUMERIC.match(cleaned)
    if numeric is not None:
        return _numeric(cleaned, numeric, today)
    for pattern in _FULL_DATES:
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    for pattern in _NO_YEAR:
        try:
            day = dt.datetime.strptime(f"{cleaned} 2000", f"{pattern} %Y").date()
        except ValueError:
            continue
        return _latest(day.day, day.month, cleaned, today)
    return f"I couldn't read {cleaned!r} as a date. {EXAMPLE}"


def _numeric(cleaned: str, match: re.Match[str], today: dt.date) -> dt.date | str:
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return (f"{cleaned} isn't a date: a day is 1 to 31 and a month 1 to 12 "
                "(day/month/year, e.g. 03/03/2026).")
    if year_text is None:
        return _latest(day, month, cleaned, today)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    return _checked(day, month, year, cleaned)


def _checked(day: int, month: int, year: int, cleaned: str) -> dt.date | str:
    length = calendar.monthrange(year, month)[1]
    if day > length:
        if month == 2 and day == 29:
            return f"{year} isn't a leap year, so there is no 29 February {year}."
        return (f"{calendar.month_name[month]} has only {length} days, so {cleaned} "
                "isn't a date.")
    return dt.date(year, month, day)


def _latest(day: int, month: int, cleaned: str, today: dt.date) -> dt.date | str:
    """A date without a year: its latest occurrence up to today."""
    for year in (today.year, today.year - 1):
        try:
            found = dt.date(year, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    if (day, month) == (29, 2):
        leap = next(y for y in range(today.year, today.year - 8, -1) if calendar.isleap(y)
                    and dt.date(y, 2, 29) <= today)
        return (f"{cleaned} has no year, and there is no 29 February in the last "
                f"twelve months. Please add the year, e.g. 29/02/{leap}.")
    return _checked(day, month, today.year, cleaned)


def _cleaned(text: str) -> str:
    return " ".join(text.replace(",", " ").split())
