"""Nudges to staff who have not acknowledged, the Headteacher's summary, and quiet
hours: driven through the real planner, outbox and deliverer at fixed moments."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from handlers.reminders import plan_due
from tests.reminders.conftest import (
    LONDON_MONDAY,
    NUDGE,
    SUMMARY,
    at,
    console_at,
    outbox_rows,
    run_at,
    texts,
    who,
)

STAFF = ["alice", "bob", "dsl", "head"]  # headteacher, dsl and staff; not chair or parent
DAY = dt.timedelta(days=1)


async def test_publishing_asks_every_member_of_staff_once(school: App) -> None:
    first = await run_at(school, LONDON_MONDAY)
    assert who(first, NUDGE) == STAFF
    assert "Croughton All Saints CE Primary School Social Media Policy (version 1, approved " \
           "January 2024)" in texts(first, NUDGE)[0]
    again = await run_at(school, LONDON_MONDAY + dt.timedelta(minutes=5))
    assert again.sent == []


async def test_nudge_cadence_three_school_days_then_weekly_then_one_summary(school: App) -> None:
    await run_at(school, LONDON_MONDAY)  # Monday 23 Nov: asked (1 of 4)
    assert who(await run_at(school, LONDON_MONDAY + 2 * DAY), NUDGE) == []  # Wednesday: too soon
    await console_at(school, LONDON_MONDAY + 2 * DAY, "alice").send("/ack")
    thursday = await run_at(school, LONDON_MONDAY + 3 * DAY)  # 3 school days on
    assert who(thursday, NUDGE) == ["bob", "dsl", "head"]
    assert "A gentle reminder (2 of 4)" in texts(thursday, NUDGE)[0]
    assert who(await run_at(school, LONDON_MONDAY + 9 * DAY), NUDGE) == []  # Wednesday 2 Dec
    third = await run_at(school, LONDON_MONDAY + 10 * DAY)  # a week after Thursday
    assert who(third, NUDGE) == ["bob", "dsl", "head"]
    await console_at(school, LONDON_MONDAY + 11 * DAY, "dsl").send("/ack")
    fourth = await run_at(school, LONDON_MONDAY + 17 * DAY)  # Thursday 10 Dec
    assert who(fourth, NUDGE) == ["bob", "head"]
    assert "(4 of 4)" in texts(fourth, NUDGE)[0]
    summary = await run_at(school, LONDON_MONDAY + 24 * DAY)  # Thursday 17 Dec
    assert (who(summary, NUDGE), who(summary, SUMMARY)) == ([], ["head"])
    assert texts(summary, SUMMARY) == [
        "Policy acknowledgements: after the first ask and 3 reminders, 2 of 4 staff have "
        "still not confirmed they have read Croughton All Saints CE Primary School Social "
        "Media Policy (version 1, approved January 2024): Bob Brown, and you. I won't "
        "remind them again; send /ackstatus for the full list, or /ack to confirm you have "
        "read it yourself."]
    for later in (31, 60):  # nothing more, ever
        quiet = await run_at(school, LONDON_MONDAY + later * DAY)
        assert who(quiet, NUDGE) + who(quiet, SUMMARY) == []


async def test_a_bot_that_was_off_sends_only_the_latest_nudge(school: App) -> None:
    await run_at(school, LONDON_MONDAY)
    late = await run_at(school, LONDON_MONDAY + 15 * DAY)  # slots 1 and 2 both passed
    assert who(late, NUDGE) == STAFF
    # numbered by what each person was sent: the ask, then this
    assert all("(2 of 4)" in text for text in texts(late, NUDGE))


async def test_nothing_is_sent_out_of_hours_it_waits_for_the_next_school_morning(
    school: App,
) -> None:
    saturday = dt.datetime(2026, 11, 21, 22, 0, tzinfo=dt.UTC)
    assert (await run_at(school, saturday)).sent == []  # not even the review reminder
    nudges = await outbox_rows(school, "nudge:")
    assert len(nudges) == 4
    assert {available for _, _, available in nudges} == {LONDON_MONDAY.replace(hour=8)}
    assert (await run_at(school, LONDON_MONDAY.replace(hour=7, minute=59))).sent == []
    assert who(await run_at(school, LONDON_MONDAY.replace(hour=8)), NUDGE) == STAFF


async def test_acknowledging_cancels_a_nudge_still_waiting(school: App) -> None:
    sunday = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
    await plan_due(at(school, sunday).services)
    await console_at(school, sunday, "bob").send("/ack")
    monday = await run_at(school, LONDON_MONDAY)
    assert who(monday, NUDGE) == ["alice", "dsl", "head"]
    statuses = sorted(status for _, status, _ in await outbox_rows(school, "nudge:"))
    assert statuses == ["cancelled", "sent", "sent", "sent"]


async def test_a_policy_published_in_the_holidays_counts_from_the_first_school_day(
    school: App,
) -> None:
    holiday = dt.datetime(2026, 12, 23, 9, 0, tzinfo=dt.UTC)  # the Christmas break
    assert who(await run_at(school, holiday), NUDGE) == []  # waits for term
    first_day = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)  # Monday, back at school
    assert who(await run_at(school, first_day), NUDGE) == STAFF
    for day in (5, 6):  # two school days on: not yet
        assert who(await run_at(school, first_day.replace(day=day)), NUDGE) == []
    third = await run_at(school, first_day.replace(day=7))  # three school days on
    assert who(third, NUDGE) == STAFF
    assert all("(2 of 4)" in text for text in texts(third, NUDGE))
