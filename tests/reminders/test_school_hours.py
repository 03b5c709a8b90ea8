"""When reminders may go out: school days, school hours, the school's timezone."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import SchoolsConfig
from handlers.school_hours import (
    DaysOff,
    Hours,
    add_local_days,
    add_school_days,
    is_allowed,
    next_allowed,
)

LONDON = Hours(holidays=frozenset({dt.date(2026, 12, 21) + dt.timedelta(days=d)
                                   for d in range(12)}))  # 21 Dec 2026 – 1 Jan 2027


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(("moment", "expected"), [
    # winter (GMT = UTC)
    (utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 9, 0)),      # Monday morning: now
    (utc(2026, 11, 23, 7, 59), utc(2026, 11, 23, 8, 0)),     # before school: 08:00
    (utc(2026, 11, 23, 16, 59), utc(2026, 11, 23, 16, 59)),  # the last minute
    (utc(2026, 11, 23, 17, 0), utc(2026, 11, 24, 8, 0)),     # 17:00 is after hours
    (utc(2026, 11, 23, 22, 0), utc(2026, 11, 24, 8, 0)),     # 10 pm: tomorrow morning
    (utc(2026, 11, 27, 18, 0), utc(2026, 11, 30, 8, 0)),     # Friday evening: Monday
    (utc(2026, 11, 28, 10, 0), utc(2026, 11, 30, 8, 0)),     # Saturday: Monday
    (utc(2026, 11, 22, 12, 0), utc(2026, 11, 23, 8, 0)),     # Sunday: Monday
    # the Christmas holidays, then a weekend
    (utc(2026, 12, 18, 17, 30), utc(2027, 1, 4, 8, 0)),
    (utc(2026, 12, 24, 10, 0), utc(2027, 1, 4, 8, 0)),
    # summer (BST = UTC+1): 08:00 local is 07:00 UTC
    (utc(2026, 6, 10, 6, 30), utc(2026, 6, 10, 7, 0)),
    (utc(2026, 6, 10, 7, 0), utc(2026, 6, 10, 7, 0)),
    (utc(2026, 6, 10, 16, 0), utc(2026, 6, 11, 7, 0)),       # 17:00 BST: tomorrow
    # clocks go forward on Sunday 29 March 2026: Friday evening GMT → Monday 08:00 BST
    (utc(2026, 3, 27, 17, 0), utc(2026, 3, 30, 7, 0)),
    # clocks go back on Sunday 25 October 2026: Friday evening BST → Monday 08:00 GMT
    (utc(2026, 10, 23, 16, 0), utc(2026, 10, 26, 8, 0)),
])
def test_next_allowed_moment(moment: dt.datetime, expected: dt.datetime) -> None:
    assert next_allowed(moment, LONDON) == expected
    assert is_allowed(expected, LONDON)


def test_another_timezone_and_custom_hours() -> None:
    sydney = Hours(timezone="Australia/Sydney", start=dt.time(9, 0), end=dt.time(15, 0))
    # Monday 23 Nov 2026 22:00 UTC is Tuesday 09:00 in Sydney (AEDT, UTC+11)
    assert next_allowed(utc(2026, 11, 23, 20, 0), sydney) == utc(2026, 11, 23, 22, 0)
    assert not is_allowed(utc(2026, 11, 24, 4, 0), sydney)  # 15:00 there


def test_no_school_day_at_all_is_refused_not_looped_on() -> None:
    with pytest.raises(ValueError, match="no school day"):
        next_allowed(utc(2026, 11, 23, 9, 0), Hours(days=()))


@pytest.mark.parametrize(("start", "days", "expected"), [
    (utc(2026, 11, 23, 9, 0), 3, utc(2026, 11, 26, 9, 0)),   # Monday → Thursday
    (utc(2026, 11, 26, 9, 0), 3, utc(2026, 12, 1, 9, 0)),    # Thursday → Tuesday
    (utc(2026, 12, 17, 9, 0), 3, utc(2027, 1, 5, 9, 0)),     # Fri, (holidays), Mon, Tue
    (utc(2026, 3, 26, 9, 0), 3, utc(2026, 3, 31, 8, 0)),     # 09:00 GMT → 09:00 BST
])
def test_school_days_skip_weekends_and_holidays(start: dt.datetime, days: int,
                                                expected: dt.datetime) -> None:
    assert add_school_days(start, days, LONDON) == expected


def test_weekly_keeps_the_local_time_across_a_clock_change() -> None:
    friday_gmt = utc(2026, 3, 27, 9, 0)
    assert add_local_days(friday_gmt, 7, LONDON) == utc(2026, 4, 3, 8, 0)  # 09:00 BST


# ---- UK bank holidays (bank_holidays: in the school config) --------------------------


def test_bank_holidays_join_a_schools_own_holidays() -> None:
    england = Hours(holidays=DaysOff(frozenset({dt.date(2026, 5, 26)}), "england"))
    # Monday 4 May 2026 is the Early May bank holiday; 25 May the Spring one; 26 May the
    # school's own INSET day: Friday 1 May + 3 school days is Thursday 7 May ...
    assert add_school_days(utc(2026, 5, 1, 9, 0), 3, england) == utc(2026, 5, 7, 9, 0)
    # ... and Friday 22 May + 1 school day is Wednesday 27 May
    assert add_school_days(utc(2026, 5, 22, 9, 0), 1, england) == utc(2026, 5, 27, 9, 0)
    assert next_allowed(utc(2026, 4, 3, 10, 0), england) == utc(2026, 4, 7, 7, 0)  # Easter


@pytest.mark.parametrize(("region", "day", "off"), [
    ("scotland", dt.date(2026, 11, 30), True),   # St Andrew's Day
    ("england", dt.date(2026, 11, 30), False),
    ("northern-ireland", dt.date(2026, 3, 17), True),   # St Patrick's Day
    ("wales", dt.date(2026, 3, 17), False),
    ("wales", dt.date(2027, 12, 27), True),  # a later year is worked out when asked about
])
def test_each_region_has_its_own_bank_holidays(region: str, day: dt.date, off: bool) -> None:
    assert (day in DaysOff(region=region)) is off
    assert Hours(holidays=DaysOff(region=region)).is_school_day(day) is not off


def test_hours_of_a_school_config_take_its_bank_holidays(demo_config: SchoolsConfig) -> None:
    school = demo_config.schools[0].model_copy(update={"bank_holidays": "scotland",
                                                       "holidays": (dt.date(2026, 12, 1),)})
    hours = Hours.of(school)
    assert not hours.is_school_day(dt.date(2026, 11, 30))
    assert not hours.is_school_day(dt.date(2026, 12, 1))
    assert hours.is_school_day(dt.date(2026, 12, 2))
    assert Hours.of(demo_config.schools[0]).is_school_day(dt.date(2026, 11, 30))
