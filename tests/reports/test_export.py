"""The export a safeguarding system can take: one row per report, the columns the README
documents, every moment ISO 8601 with its offset, the whole record in it (who was told
when, each read, the thread, actions and outcomes, corrections, closing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from bot.app import App
from handlers.report_export import COLUMNS
from tests.conftest import ConsoleDriver
from tests.reports.conftest import at, refs

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"
MARCH = dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC)


async def _exported(app: App, driver: ConsoleDriver, args: str = "") -> list[dict[str, str]]:
    out = await driver.send(f"/export {args}".strip())
    [line] = [line for line in out if "[file]" in line]
    return _rows(line.split(" saved to ", 1)[1])


def _rows(path: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))


async def test_the_columns_are_the_documented_ones(app: App) -> None:
    alice = ConsoleDriver(at(app, MARCH), "croughton", "alice", "dm")
    await alice.send("/friendrequest", "A parent", "J.S.", "fb", "02/03/2026", "I declined it",
                     "Skip", "Send")
    head = ConsoleDriver(at(app, MARCH), "croughton", "head", "dm")
    [row] = await _exported(app, head)
    assert tuple(row) == COLUMNS
    readme = (app.settings.config_path.parent.parent / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+)` \|", readme.split("### The export, column by "
                                                                 "column", 1)[1], re.MULTILINE)
    assert tuple(documented[:len(COLUMNS)]) == COLUMNS


async def test_a_safeguarding_record_holds_its_whole_history(app: App) -> None:
    alice = ConsoleDriver(at(app, MARCH), "croughton", "alice", "dm")
    await alice.send("/report", "Safeguarding concern", "A pupil", "02/03/2026 15:30",
                     "She said an adult messaged her", "Skip", "Skip", "Send")
    [n] = await refs(app)
    later = MARCH + dt.timedelta(hours=1)
    dsl = ConsoleDriver(at(app, later), "croughton", "dsl", "dm")
    await dsl.send(f"/view {n}", f"/view {n}", f"/reply {n} Which app?")
    await ConsoleDriver(at(app, later), "croughton", "alice", "dm").send(
        f"/reply {n} Snapchat.", f"/correct {n} It was Instagram, not Snapchat.")
    await dsl.send(f"/action {n} Rang the parents.", f"/outcome {n} Referred to MASH.")
    [row] = await _exported(app, dsl)
    assert row["reference"] == str(n)
    assert (row["kind"], row["category"], row["record_type"]) == (
        "report", "safeguarding concern", "safeguarding concern")
    assert row["occurred_at"] == "2026-03-02T15:30+00:00"
    assert row["recorded_at"] == "2026-03-03T14:05:00+00:00"
    assert (row["reporter"], row["reporter_role"], row["involved"]) == (
        "Alice Ames", "staff", "a pupil")
    assert row["details"] == "She said an adult messaged her"
    assert row["readers"] == "the Designated Safeguarding Lead (DSL) and the deputy DSLs"
    assert row["notified"] == ("2026-03-03T14:05:00+00:00 Dee Lead (Designated Safeguarding "
                               "Lead) told (not delivered yet)")  # the outbox runs on real time
    assert row["reads"] == ("2026-03-03T15:05:00+00:00 Dee Lead (Designated Safeguarding Lead) "
                            "(opened 2 times, last 2026-03-03T15:05:00+00:00)")
    assert row["thread"].splitlines() == [
        "2026-03-03T15:05:00+00:00 Dee Lead (Designated Safeguarding Lead): Which app?",
        "2026-03-03T15:05:00+00:00 Alice Ames: Snapchat."]
    assert row["actions_and_outcomes"].splitlines() == [
        "2026-03-03T15:05:00+00:00 action by Dee Lead (Designated Safeguarding Lead): Rang the "
        "parents.",
        "2026-03-03T15:05:00+00:00 outcome by Dee Lead (Designated Safeguarding Lead): Referred "
        "to MASH."]
    assert row["corrections"] == ("2026-03-03T15:05:00+00:00 correction by Alice Ames: It was "
                                  "Instagram, not Snapchat.")
    assert (row["status"], row["outcome"]) == ("closed", "Referred to MASH.")
    assert row["closed_by"] == "Dee Lead (Designated Safeguarding Lead)"
    assert row["closed_at"] == "2026-03-03T15:05:00+00:00"
    assert (row["legal_hold"], row["evidence_count"]) == ("no", "0")
    assert row["retention"] == "25 years, then review; due 2051-02-25"
    chronology = row["chronology"].splitlines()
    assert len(chronology) == 8
    assert chronology[0] == "2026-03-03T14:05:00+00:00 recorded by Alice Ames"
    assert all(re.match(ISO, entry) for entry in chronology)


async def test_summer_times_carry_their_offset(app: App) -> None:
    june = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    alice = ConsoleDriver(at(app, june), "croughton", "alice", "dm")
    await alice.send("/report", "Something else", "Someone outside school", "Today 10:15",
                     "Spam", "Skip", "Skip", "Send")
    [row] = await _exported(app, ConsoleDriver(at(app, june), "croughton", "head", "dm"))
    assert row["recorded_at"] == "2026-06-01T09:00:00+01:00"
    assert row["occurred_at"] == "2026-06-01T10:15+01:00"


async def test_an_export_with_nothing_in_it_says_so(app: App) -> None:
    head = ConsoleDriver(app, "croughton", "head", "dm")
    assert await head.send("/export") == ["dm:head| Nothing to export yet."]
    assert await head.send("/export friend") == ["dm:head| Nothing to export with those "
                                                 "filters."]


async def test_notified_says_when_the_message_was_delivered(app: App,
                                                           console: ConsoleDriver) -> None:
    await console.send(":in dm", "/report", "Safeguarding concern", "A pupil", "Today", "x",
                       "Skip", "Skip", "Send")
    [row] = await _exported(app, ConsoleDriver(app, "croughton", "dsl", "dm"))
    assert re.fullmatch(rf"{ISO} Dee Lead \(Designated Safeguarding Lead\) told "
                        rf"\(delivered {ISO}\)", row["notified"])
