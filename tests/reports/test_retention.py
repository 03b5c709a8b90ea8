"""Retention by record type: friend requests (and other reports) are deleted after the
school's period; safeguarding concerns, low-level concerns and reports about staff are
flagged for review and deleted only when a reader confirms; a legal hold stops both;
every run, deletion and review is audited; the daily schedule runs it too."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import typer
from typer.testing import CliRunner

from bot import cli
from bot.app import App
from bot.moments import parse_now
from bot.reports_cli import moment, purge
from bot.scheduler import ReminderScheduler
from bot.settings import Settings
from handlers.report_retention import apply_retention
from storage.models import utcnow
from tests.conftest import TEST_KEY, ConsoleDriver
from tests.reports.conftest import (
    all_reports,
    at,
    audit_rows,
    chronology,
    friend_request,
    outbox_rows,
    refs,
    report,
)

SIX_YEARS = dt.timedelta(days=2190)  # the demo schools' retention_days
TWENTY_FIVE_YEARS = dt.timedelta(days=9125)
DAY = dt.timedelta(days=1)
SCHOOLS = ["st-lukes", "croughton", "lancastrian", "sharp-lane", "marston-montgomery"]


async def _sent_long_ago(app: App, ago: dt.timedelta, *, kind: str = "friend",
                         slug: str = "croughton") -> int:
    alice = ConsoleDriver(at(app, utcnow() - ago), slug, "alice", "dm")
    if kind == "friend":
        await friend_request(alice, name="OLD")
    else:
        await report(alice, category=kind, involved="A member of staff", text="OLD")
    return (await refs(app))[-1]


async def test_friend_requests_past_their_period_are_deleted_with_everything_about_them(
    app: App, settings: Settings,
) -> None:
    now = utcnow()
    first = await _sent_long_ago(app, SIX_YEARS + DAY)
    old = ConsoleDriver(at(app, now - SIX_YEARS), "croughton", "head", "dm")
    await old.send(f"/view {first}", f"/reply {first} old question")
    second = await _sent_long_ago(app, SIX_YEARS - DAY)
    third = await _sent_long_ago(app, SIX_YEARS * 2, slug="st-lukes")

    runs = await purge(settings, now)
    assert {slug: (run.deleted, run.flagged) for slug, run in runs.items()} == {
        "st-lukes": ([third], []), "croughton": ([first], []), "lancastrian": ([], []),
        "sharp-lane": ([], []), "marston-montgomery": ([], [])}
    assert [r.reference for r in await all_reports(app)] == [second]
    assert not [row.key for row in await outbox_rows(app) if row.key.startswith("report:1:")]
    actions = [(e.action, e.report_id) for e in await audit_rows(app)]
    assert ("view", 1) in actions  # the record that #1 was read survives it
    purges = [e.detail for e in await audit_rows(app) if e.action == "purge"]
    assert len(purges) == 5
    assert (f"1 deleted at the end of their retention period: #{first}; 0 flagged for review; "
            "0 under legal hold") in purges
    again = await purge(settings, now)
    assert all(not run.deleted for run in again.values())


async def test_the_reporter_and_the_head_see_a_deleted_entry_is_gone(
    app: App, console: ConsoleDriver, settings: Settings,
) -> None:
    await friend_request(console)
    [number] = await refs(app)
    await purge(settings, utcnow() + SIX_YEARS + DAY)
    assert await console.send("/mine") == [
        "dm:alice| You haven't sent anything yet. /report or /friendrequest, any time."]
    assert await console.send(":as head", ":in dm", f"/view {number}") == [
        f"dm:head| I can't find #{number} among the reports you can see."]


@pytest.mark.parametrize(("category", "reader", "period"), [
    ("Safeguarding concern", "dsl", TWENTY_FIVE_YEARS),
    ("Low-level concern about an adult's conduct", "head", SIX_YEARS),
    ("Misuse by a member of staff", "head", dt.timedelta(days=3650)),
])
async def test_records_that_need_review_are_flagged_and_their_readers_told(
    app: App, category: str, reader: str, period: dt.timedelta,
) -> None:
    number = await _sent_long_ago(app, period + DAY, kind=category)
    before = await apply_retention(app.services, utcnow() - 2 * DAY)
    assert before["croughton"].flagged == []
    runs = await apply_retention(app.services, utcnow())
    assert (runs["croughton"].deleted, runs["croughton"].flagged) == ([], [number])
    [saved] = await all_reports(app)
    assert saved.review_flagged_at is not None
    assert [e.kind for e in await chronology(app, saved)][-1] == "review_due"
    told = [app.services.cipher.decrypt(r.payload) for r in await outbox_rows(app)
            if ":review:" in r.key]
    assert len(told) == 1
    assert f"#{number} (" in told[0]
    assert "has reached the end of its retention period" in told[0]
    assert (await apply_retention(app.services, utcnow()))["croughton"].flagged == []  # once
    out = await ConsoleDriver(app, "croughton", reader, "dm").send("/review")
    assert out[1].startswith(f"dm:{reader}| #{number} · ")


async def test_a_review_deletes_only_when_a_reader_confirms_and_keeps_the_reason(
    app: App,
) -> None:
    number = await _sent_long_ago(app, TWENTY_FIVE_YEARS + DAY, kind="Safeguarding concern")
    await apply_retention(app.services, utcnow())
    head = ConsoleDriver(app, "croughton", "head", "dm")
    assert (await head.send(f"/review {number} delete no longer needed"))[0] == (
        f"dm:head| I can't find #{number} among the reports you can see.")
    dsl = ConsoleDriver(app, "croughton", "dsl", "dm")
    out = await dsl.send(f"/review {number} delete Pupil is now 25; no open concerns.")
    assert out[:3] == [f"dm:dsl| Delete #{number} for good, with its thread and evidence? This "
                   "can't be undone. Your reason:",
                   "dm:dsl| Pupil is now 25; no open concerns.",
                   "dm:dsl| [1] Delete it for good   [2] Cancel"]
    assert len(await all_reports(app)) == 1
    out = await dsl.send("Delete it for good")
    assert out[0] == (f"dm:dsl| #{number} is deleted, with its thread and evidence. The audit "
                      "log keeps a record that it existed, and who deleted it, when and why.")
    assert await all_reports(app) == []
    [deleted] = [e for e in await audit_rows(app) if e.action == "review_delete"]
    assert deleted.detail.startswith(f"#{number} (safeguarding concern, recorded ")
    assert deleted.reason_enc is not None
    assert app.services.cipher.decrypt(deleted.reason_enc) == "Pupil is now 25; no open concerns."
    assert "review_due" in [e.action for e in await audit_rows(app)]


async def test_a_record_kept_on_review_is_reviewed_again_a_year_on(app: App) -> None:
    number = await _sent_long_ago(app, TWENTY_FIVE_YEARS + DAY, kind="Safeguarding concern")
    dsl = ConsoleDriver(app, "croughton", "dsl", "dm")
    assert (await dsl.send(f"/review {number} keep too early"))[0] == (
        f"dm:dsl| #{number} isn't due for review yet. Its review is due on "
        f"{(await all_reports(app))[0].created_at + TWENTY_FIVE_YEARS:%d %b %Y}.")
    await apply_retention(app.services, utcnow())
    out = await dsl.send(f"/review {number} keep Sibling still at the school.")
    assert out[0].startswith(f"dm:dsl| #{number} is kept. Your reason is on its record, and it "
                             "will be reviewed again on ")
    assert (await apply_retention(app.services, utcnow() + DAY))["croughton"].flagged == []
    later = await apply_retention(app.services, utcnow() + dt.timedelta(days=366))
    assert later["croughton"].flagged == [number]
    [saved] = await all_reports(app)
    kinds = [e.kind for e in await chronology(app, saved)]
    assert kinds[-3:] == ["review_due", "kept", "review_due"]


async def test_a_legal_hold_stops_deletion_until_it_is_lifted(app: App) -> None:
    number = await _sent_long_ago(app, SIX_YEARS - DAY)
    head = ConsoleDriver(app, "croughton", "head", "dm")
    out = await head.send(f"/hold {number} Police investigation, ref 123.")
    assert out[0] == (f"dm:head| #{number} is under a legal hold: retention will not delete it, "
                      f"nor flag it for review, until it is lifted with /release {number}.")
    runs = await apply_retention(app.services, utcnow() + dt.timedelta(days=10))
    assert (runs["croughton"].deleted, runs["croughton"].held) == ([], 1)
    assert len(await all_reports(app)) == 1
    out = await head.send(f"/release {number} Investigation closed.")
    assert out[0] == f"dm:head| The legal hold on #{number} is lifted; its retention applies again."
    runs = await apply_retention(app.services, utcnow() + dt.timedelta(days=10))
    assert runs["croughton"].deleted == [number]
    assert [e.action for e in await audit_rows(app)].count("hold") == 1
    assert [e.action for e in await audit_rows(app)].count("release") == 1


async def test_a_held_record_due_for_review_cannot_be_deleted(app: App) -> None:
    number = await _sent_long_ago(app, TWENTY_FIVE_YEARS + DAY, kind="Safeguarding concern")
    await apply_retention(app.services, utcnow())
    dsl = ConsoleDriver(app, "croughton", "dsl", "dm")
    await dsl.send(f"/hold {number} Subject access request pending.")
    out = await dsl.send(f"/review {number} delete time's up")
    assert out == [f"dm:dsl| #{number} is under a legal hold, so it can't be deleted or "
                   "reviewed until the hold is lifted (/release)."]
    assert len(await all_reports(app)) == 1


async def test_the_daily_schedule_applies_retention_once_a_day(app: App) -> None:
    await _sent_long_ago(app, SIX_YEARS + DAY)
    today = utcnow()
    clock = [today]
    services = dataclasses.replace(app.services, clock=lambda: clock[0])
    scheduler = ReminderScheduler(services)
    await scheduler.run_once()
    await scheduler.run_once()
    assert scheduler.retention_runs == 1
    assert await all_reports(app) == []
    clock[0] = today + DAY
    await scheduler.run_once()
    assert scheduler.retention_runs == 2
    assert len([e for e in await audit_rows(app) if e.action == "purge"]) == 10  # 5 schools


def test_purge_reads_a_moment_as_run_due_does_a_plain_one_as_utc() -> None:
    assert moment("2026-01-05T09:00:00+00:00") == dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    assert moment("2026-01-05T09:00:00") == dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    assert moment("2026-07-05T09:00:00+01:00") == dt.datetime(2026, 7, 5, 8, tzinfo=dt.UTC)
    assert moment("2026-01-05T09:00:00") == parse_now("2026-01-05T09:00:00")


@pytest.mark.parametrize("value", ["yesterday", "", "2026-13-45T09:00:00+00:00"])
def test_purge_refuses_an_unreadable_moment_clearly(value: str) -> None:
    with pytest.raises(typer.BadParameter, match=r"is not an ISO-8601 time: use a moment like "
                       r"2026-01-05T09:00:00\+00:00 \(one without an offset is read as UTC\)"):
        moment(value)


def test_the_purge_command_reports_an_unreadable_moment_without_a_traceback() -> None:
    result = CliRunner().invoke(cli.app, ["reports", "purge", "--now", "yesterday"])
    assert result.exit_code == 2
    assert "is not an ISO-8601 time" in result.output
    assert "Traceback" not in result.output


def test_the_purge_command_says_what_it_did_for_each_school(settings: Settings) -> None:
    env = {"DATABASE_URL": settings.resolved_database_url,
           "POLICYBOT_CONFIG": str(settings.config_path),
           "POLICYBOT_DATA_DIR": str(settings.data_dir),
           "POLICYBOT_ENCRYPTION_KEY": TEST_KEY}
    result = CliRunner().invoke(cli.app, ["reports", "purge"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{slug}: 0 deleted, 0 flagged for review, 0 under legal hold" for slug in SCHOOLS]
