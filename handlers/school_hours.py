"""When a school may be messaged: school days, within school hours, in its timezone.

Pure functions, no I/O. Times are aware datetimes; results are in UTC. Local wall
times are converted with the school's zone, so 08:00 in London is 08:00 UTC in
winter (GMT) and 07:00 UTC in summer (BST). A school's days off are its configured
``holidays`` and, if it names a UK region in ``bank_holidays``, that region's bank
holidays (from the ``holidays`` package).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Container
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["SUBDIVISIONS", "DaysOff", "Hours", "add_local_days", "add_school_days",
           "is_allowed", "next_allowed", "start_of_local_day"]

# bank_holidays in the school config -> the holidays package's subdivision of GB
SUBDIVISIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT",
                        "northern-ireland": "NIR"}

MAX_DAYS_AHEAD = 400  # a config with no school day in a year is refused, not looped on


class _HoursSpec(Protocol):
    @property
    def days(self) -> tuple[int, ...]: ...
    @property
    def start(self) -> dt.time: ...
    @property
    def end(self) -> dt.time: ...


class _SchoolSpec(Protocol):
    @property
    def timezone(self) -> str: ...
    @property
    def school_hours(self) -> _HoursSpec: ...
    @property
    def holidays(self) -> tuple[dt.date, ...]: ...
    @property
    def bank_holidays(self) -> str | None: ...


@dataclass(frozen=True)
class DaysOff:
    """A school's holidays: ``dates``, and the bank holidays of ``region`` (a key of
    :data:`SUBDIVISIONS`), worked out a year at a time as they are asked about."""

    dates: frozenset[dt.date] = frozenset()
    region: str | None = None
    _years: dict[int, frozenset[dt.date]] = field(default_factory=dict, compare=False,
                                                  repr=False)

    def __contains__(self, day: object) -> bool:
        if day in self.dates:
            return True
        if self.region is None or not isinstance(day, dt.date):
            return False
        return day in self._bank_holidays(day.year)

    def _bank_holidays(self, year: int) -> frozenset[dt.date]:
        if year not in self._years:
            import holidays

            assert self.region is not None
            found = holidays.country_holidays(
                "GB", subdiv=SUBDIVISIONS[self.region], years=year)
            self._years[year] = frozenset(found)
        return self._years[year]


@dataclass(frozen=True)
class Hours:
    """A school's sending window: ``days`` (Monday = 0) from ``start`` to ``end``,
    except ``holidays``, in ``timezone``."""

    timezone: str = "Europe/London"
    days: Collection[int] = (0, 1, 2, 3, 4)
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(17, 0)
    holidays: Container[dt.date] = frozenset()

    @classmethod
    def of(cls, school: _SchoolSpec) -> Hours:
        """From a school's config (``bot.config.SchoolConfig``)."""
        hours = school.school_hours
        return cls(school.timezone, frozenset(hours.days), hours.start, hours.end,
                   DaysOff(frozenset(school.holidays), school.bank_holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_school_day(self, day: dt.date) -> bool:
        return day.weekday() in self.days and day not in self.holidays


def _at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A local wall time as UTC. A time a clock change skips resolves forwards (01:30 on
    the spring change is 02:30 BST); one it repeats is the first of the two."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC)


def is_allowed(moment: dt.datetime, hours: Hours) -> bool:
    """Whether ``moment`` falls on a school day within school hours."""
    local = moment.astimezone(hours.zone)
    return hours.is_school_day(local.date()) and hours.start <= local.time() < hours.end


def next_allowed(moment: dt.datetime, hours: Hours) -> dt.datetime:
    """``moment`` itself if a message may go then, else the start of the next school day."""
    if is_allowed(moment, hours):
        return moment.astimezone(dt.UTC)
    local = moment.astimezone(hours.zone)
    day = local.date()
    if hours.is_school_day(day) and local.time() < hours.start:
        return _at(day, hours.start, hours.zone)
    for _ in range(MAX_DAYS_AHEAD):
        day += dt.timedelta(days=1)
        if hours.is_school_day(day):
            return _at(day, hours.start, hours.zone)
    raise ValueError(f"no school day within {MAX_DAYS_AHEAD} days of {moment.isoformat()}")


def add_school_days(moment: dt.datetime, count: int, hours: Hours) -> dt.datetime:
    """The same local time of day ``count`` school days later (weekends and holidays
    don't count)."""
    local = moment.astimezone(hours.zone)
    day = local.date()
    for _ in range(count):
        day += dt.timedelta(days=1)
        for _ in range(MAX_DAYS_AHEAD):
            if hours.is_school_day(day):
                break
            day += dt.timedelta(days=1)
    return _at(day, local.time().replace(tzinfo=None), hours.zone)


def start_of_local_day(day: dt.date, hours: Hours) -> dt.datetime:
    """Midnight at the school on ``day``, as UTC."""
    return _at(day, dt.time(0, 0), hours.zone)


def add_local_days(moment: dt.datetime, days: int, hours: Hours) -> dt.datetime:
    """The same local wall time ``days`` calendar days later (weekly stays 09:00 across
    a clock change)."""
    local = moment.astimezone(hours.zone)
    return _at(local.date() + dt.timedelta(days=days), local.time().replace(tzinfo=None),
               hours.zone)
