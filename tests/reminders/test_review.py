"""Review reminders to the Headteacher and the Chair: 60, 30 and 7 days before the
next review date, on it, then weekly while overdue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.settings import Settings
from handlers.reminders import OVERDUE, review_slot
from handlers.school_hours import Hours
from tests.reminders.conftest import LONDON_MONDAY, REVIEW, run_at, texts, who, write_config

LONDON = Hours()
REVIEW_DATE = dt.date(2027, 3, 1)  # a Monday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(("now", "slot"), [
    (utc(2026, 12, 30, 23, 59), None),   # 61 days before
    (utc(2026, 12, 31, 0, 0), "d60"),
    (utc(2027, 1, 29, 23, 0), "d60"),
    (utc(2027, 1, 30, 0, 0), "d30"),
    (utc(2027, 2, 22, 0, 0), "d7"),
    (utc(2027, 3, 1, 0, 0), "d7"),      # the date itself, before school opens
    (utc(2027, 3, 1, 8, 0), OVERDUE),   # ... from 08:00: overdue (numbered by the plan,
    (utc(2027, 3, 7, 23, 0), OVERDUE),  # weekly from the last one sent)
    (utc(2027, 5, 3, 9, 0), OVERDUE),
])
def test_which_review_reminder_is_due(now: dt.datetime, slot: str | None) -> None:
    assert review_slot(REVIEW_DATE, now, (60, 30, 7), LONDON) == slot


async def test_croughtons_overdue_review_reminds_head_and_chair_weekly(school: App) -> None:
    sunday = dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)  # "today"
    assert (await run_at(school, sunday)).sent == []  # a Sunday: it waits for Monday
    monday = await run_at(school, LONDON_MONDAY)
    assert who(monday, REVIEW) == ["chair", "head"]
    assert texts(monday, REVIEW)[0].startswith(
        "Croughton All Saints CE Primary School Social Media Policy was due for review on "
        "1 January 2026: overdue since January 2026.")
    # weekly from the last one sent (a Monday), not from the date's weekday (a Thursday)
    for later in (2, 3, 6):
        assert who(await run_at(school, LONDON_MONDAY + dt.timedelta(days=later)),
                   REVIEW) == []
    assert who(await run_at(school, LONDON_MONDAY + dt.timedelta(days=7)), REVIEW) == [
        "chair", "head"]


async def test_the_configs_review_date_wins_and_reminders_count_down(
    school_settings: Settings, school_dir: Path,
) -> None:
    write_config(school_dir, extra="    next_review: 2027-03-01\n")
    application = await build_app(school_settings, migrate=False, with_answers=False)
    try:
        sent = {}
        for day in (dt.date(2026, 12, 31), dt.date(2027, 1, 4), dt.date(2027, 2, 1),
                    dt.date(2027, 2, 22), dt.date(2027, 3, 1), dt.date(2027, 3, 8)):
            moment = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
            sent[day] = texts(await run_at(application, moment), REVIEW)
    finally:
        await application.close()
    assert sent[dt.date(2026, 12, 31)] == []  # a holiday: it waits for the first school day
    assert sent[dt.date(2027, 1, 4)][0].endswith(
        "is due for review on 1 March 2027 (in 56 days). When the governors have reviewed it, "
        "update the policy file with the new approval and next review dates (or set "
        "next_review in the school config) and I'll ask staff to read the new version.")
    assert len(sent[dt.date(2027, 1, 4)]) == 2  # Headteacher and Chair
    assert "(in 28 days)" in sent[dt.date(2027, 2, 1)][0]
    assert "(in 7 days)" in sent[dt.date(2027, 2, 22)][0]
    assert "is due for review today" in sent[dt.date(2027, 3, 1)][0]
    assert "is now 7 days overdue" in sent[dt.date(2027, 3, 8)][0]
