"""Report numbers: a random six-digit reference per school, never the database id (so
gaps can't reveal reports someone may not see, nor numbers another school's volume);
and whatever is typed as a number or a date gets a clear answer, never a crash."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from bot.app import App
from handlers.replies import Reply
from handlers.router import SORRY
from storage import reports
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    all_reports,
    at,
    chronology,
    friend_request,
    private_event,
    refs,
    report,
)

NON_ASCII_DIGITS = ["²", "١٢", "１２", "߁"]
TOO_LONG = "99999999999999999999"


async def test_references_are_random_per_school_and_collisions_are_drawn_again(
    app: App, monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = iter([424242, 424242, 424242, 135790, 424242])
    monkeypatch.setattr(reports, "new_reference", lambda: next(drawn))
    await friend_request(ConsoleDriver(app, "croughton", "alice", "dm"))
    await friend_request(ConsoleDriver(app, "croughton", "bob", "dm"))  # 424242 twice: taken
    await friend_request(ConsoleDriver(app, "st-lukes", "alice", "dm"))  # another school
    saved = await all_reports(app)
    assert [(r.school_id == saved[0].school_id, r.reference) for r in saved] == [
        (True, 424242), (True, 135790), (False, 424242)]


async def test_nobody_sees_a_database_id(app: App, console: ConsoleDriver) -> None:
    """The Headteacher's list has no tell-tale gap where a report to the Chair sits."""
    await friend_request(console)
    await report(console, category="The Headteacher is involved", involved=None)
    await friend_request(console)
    seen = "\n".join(
        await console.send(":as head", ":in dm", "/list", "/export")
        + await console.send(":as alice", ":in dm", "/mine")
        + await console.send(":as chair", ":in dm", "/list"))
    numbers = {int(n) for n in re.findall(r"#(\d+)", seen)}
    assert numbers == set(await refs(app))
    assert all(100_000 <= n <= 999_999 for n in numbers)
    exported = (app.settings.data_dir / "exports").iterdir()
    rows = csv.DictReader(io.StringIO(next(exported).read_text(encoding="utf-8-sig")))
    first, _, third = await refs(app)
    assert [row["reference"] for row in rows] == [str(third), str(first)]


async def test_a_bad_number_gets_the_usage_not_a_crash(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    await console.send(":as head", ":in dm")
    for command in ("view", "reply", "outcome"):
        for typed in (TOO_LONG, *NON_ASCII_DIGITS, "#", "-1", "12x"):
            out = await console.send(f"/{command} {typed} some text")
            assert out[0].startswith(f"dm:head| Which one? e.g. /{command} "), out


async def test_a_bad_number_in_a_button_is_refused(app: App) -> None:
    for verb in ("view", "reply", "ask", "outcome", "send", "cancel"):
        for number in (TOO_LONG, *NON_ASCII_DIGITS, ""):
            event = await private_event(app, "head", action=f"rt:{verb}:{number}")
            assert _texts(await app.router.dispatch(app.services, event)) == [
                "That button no longer does anything. Try /help."], (verb, number)


async def test_reply_and_outcome_accept_a_new_line_after_the_number(
    app: App, console: ConsoleDriver,
) -> None:
    await friend_request(console)
    [n] = await refs(app)
    replies = await app.router.dispatch(app.services, await private_event(
        app, "head", command="reply", args=f"{n}\nWho are they?", text=f"/reply {n}\n…"))
    assert _texts(replies) == [f"Sent, privately, in the thread of #{n}."]
    replies = await app.router.dispatch(app.services, await private_event(
        app, "head", command="outcome", args=f"#{n}\n\nDeclined.", text=f"/outcome {n}\n…"))
    assert _texts(replies) == [f"Outcome recorded for #{n}; the person who sent it has been "
                               "told."]
    [saved] = await all_reports(app)
    [outcome] = [e for e in await chronology(app, saved) if e.kind == "outcome"]
    assert outcome.body_enc is not None
    assert app.services.cipher.decrypt(outcome.body_enc) == "Declined."


async def test_29_february_without_a_year_in_a_year_without_one(app: App) -> None:
    june = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
    head = ConsoleDriver(at(app, june), "croughton", "head", "dm")
    expected = ("29/02 has no year, and there is no 29 February in the last twelve months. "
                "Please add the year, e.g. 29/02/2024.")
    assert await head.send("/list date:29/02") == [f"dm:head| {expected}"]
    assert await head.send("/list since:29/02/2024") == ["dm:head| Nothing to show with those "
                                                         "filters."]
    alice = ConsoleDriver(at(app, june), "croughton", "alice", "dm")
    out = await alice.send("/friendrequest", "A parent", "J.S.", "Facebook", "29/02")
    assert f"dm:alice| {expected}" in out
    out = await alice.send("29/02/2024")
    assert out[0] == "dm:alice| What did you do?"
    leap = ConsoleDriver(at(app, dt.datetime(2028, 3, 1, 9, tzinfo=dt.UTC)), "croughton",
                         "head", "dm")
    assert (await leap.send("/list date:29/02"))[0] == "dm:head| Nothing to show with those " \
        "filters."


def _texts(replies: list[Reply]) -> list[str]:
    assert SORRY not in [r.message.text for r in replies]
    return [r.message.text for r in replies]
