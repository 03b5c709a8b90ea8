"""Retention: entries past the school's retention period are deleted with their thread
and notifications; the audit record of the purge (and of earlier views) stays."""

from __future__ import annotations

import datetime as dt

import pytest
import typer
from typer.testing import CliRunner

from bot import cli
from bot.app import App
from bot.moments import parse_now
from bot.reports_cli import moment, purge
from bot.settings import Settings
from storage.models import utcnow
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    all_reports,
    at,
    audit_rows,
    friend_request,
    outbox_rows,
    refs,
    report,
)

SIX_YEARS = dt.timedelta(days=2190)  # the demo schools' retention_days


async def test_purge_deletes_only_what_is_past_retention(
    app: App, settings: Settings,
) -> None:
    now = utcnow()
    old = ConsoleDriver(at(app, now - SIX_YEARS - dt.timedelta(days=1)), "croughton",
                        "alice", "dm")
    await friend_request(old, name="OLD")
    [first] = await refs(app)
    await old.send(":as head", ":in dm", f"/view {first}", f"/reply {first} old question")
    recent = ConsoleDriver(at(app, now - SIX_YEARS + dt.timedelta(days=1)), "croughton",
                           "alice", "dm")
    await report(recent, category="Something else", text="recent")
    elsewhere = ConsoleDriver(at(app, now - SIX_YEARS * 2), "st-lukes", "alice", "dm")
    await friend_request(elsewhere, name="OTHER SCHOOL, OLD")
    _, second, third = await refs(app)

    assert await purge(settings, now) == {"st-lukes": 1, "croughton": 1, "lancastrian": 0,
                                          "sharp-lane": 0, "marston-montgomery": 0}
    assert [r.reference for r in await all_reports(app)] == [second]
    assert not [row.key for row in await outbox_rows(app) if row.key.startswith("report:1:")]
    actions = [(e.action, e.report_id) for e in await audit_rows(app)]
    assert ("view", 1) in actions  # the record that #1 was read survives it
    purges = [e for e in await audit_rows(app) if e.action == "purge"]
    assert len(purges) == 5
    assert {e.detail for e in purges if e.detail.startswith("1 ")} == {
        f"1 entry received before {(now - SIX_YEARS).date().isoformat()} deleted: #{first}",
        f"1 entry received before {(now - SIX_YEARS).date().isoformat()} deleted: #{third}"}
    assert await purge(settings, now) == dict.fromkeys(
        ["st-lukes", "croughton", "lancastrian", "sharp-lane", "marston-montgomery"], 0)


async def test_the_reporter_and_the_head_see_a_purged_entry_is_gone(
    app: App, console: ConsoleDriver, settings: Settings,
) -> None:
    await friend_request(console)
    [number] = await refs(app)
    await purge(settings, utcnow() + SIX_YEARS + dt.timedelta(days=1))
    assert await console.send("/mine") == [
        "dm:alice| You haven't sent anything yet. /report or /friendrequest, any time."]
    assert await console.send(":as head", ":in dm", f"/view {number}") == [
        f"dm:head| I can't find #{number} among the reports you can see."]


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
