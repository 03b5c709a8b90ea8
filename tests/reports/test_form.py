"""A school's first week with the forms (issue 12, items 1 and 6), as a person types: an
unsent draft never swallows an unrelated message; /cancel, /back and /skip are commands;
/mine shows drafts; the steps fit the category and count truly; "Other" asks which;
"fb" is Facebook; dates that can't be get a reason; free text has a length cap."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from tests.conftest import ConsoleDriver
from tests.reports.conftest import all_reports, at, refs

QUESTION = "can I friend a parent on facebook?"
NAME_STEP = "dm:alice| What is their name, or their initials? Type it below."


async def test_a_question_typed_into_a_draft_is_answered_and_the_draft_kept(
    app: App, console: ConsoleDriver,
) -> None:
    await console.send(":in dm", "/friendrequest", "A parent")
    out = await console.send(QUESTION)
    answer = await console.send(f"/policy {QUESTION}")
    assert out[:len(answer)] == answer
    assert out[len(answer)] == (
        "dm:alice| (Your friend request isn't sent yet: it's waiting for your answer to \"What "
        "is their name, or their initials?\". Carry on below, or send /cancel to drop it.)")
    assert out[-3:] == [NAME_STEP, "dm:alice| (Step 2 of 6)", "dm:alice| [1] Back   [2] Cancel"]
    out = await console.send("J.S.")
    assert out[0] == "dm:alice| On which platform?"
    out = await console.send("fb", "Yesterday", "I declined it", "Skip", "Send")
    assert "dm:alice| Name or initials: J.S." in out
    assert "dm:alice| Platform: Facebook" in out


async def test_cancel_back_and_skip_are_commands(app: App, console: ConsoleDriver) -> None:
    out = await console.send(":in dm", "/cancel")
    assert out == ["dm:alice| You have no form open, so there's nothing to cancel."]
    await console.send("/report", "Something else", "Someone outside school")
    out = await console.send("/back")
    assert out[0] == "dm:alice| Who is involved?"
    out = await console.send("/back", "/back")
    assert "dm:alice| This is the first step: there's nothing to go back to." in out
    await console.send("Something else", "Someone outside school", "Today", "Spam posts")
    out = await console.send("/skip")  # the links
    assert out[0].startswith("dm:alice| Any photos, screenshots or files?")
    out = await console.send("/skip", "/cancel")
    assert out[-1] == "dm:alice| Cancelled. Nothing was recorded."
    assert await all_reports(app) == []
    out = await console.send(":in staff-room", "/cancel")
    assert out == ["staff-room| /cancel works in a private chat with me.",
                   "staff-room| [1] Open private chat"]


async def test_mine_lists_a_draft_in_progress(app: App) -> None:
    now = dt.datetime(2026, 3, 3, 9, 14, tzinfo=dt.UTC)
    alice = ConsoleDriver(at(app, now), "croughton", "alice", "dm")
    await alice.send("/report", "Misuse by a member of staff")
    assert await alice.send("/mine") == [
        "dm:alice| Not sent yet: a report you started on 03 Mar 2026 at 09:14, at step 2 of 6 "
        "(Who is involved?). Reply here to carry on, or send /cancel to drop it.",
        "dm:alice| You haven't sent anything yet."]


async def test_the_steps_fit_the_category_and_count_truly(console: ConsoleDriver) -> None:
    out = await console.send(":in dm", "/report")
    assert "dm:alice| (Step 1)" in out  # how many follow depends on the answer
    out = await console.send("Misuse by a pupil")
    assert out[:2] == ["dm:alice| When did it happen? Choose, or type a date like 03/03/2026 "
                       "(add a time if you know it, e.g. 03/03/2026 14:30).",
                       "dm:alice| (Step 2 of 5)"]  # no "who is involved": a pupil
    out = await console.send("/back", "Misuse by a member of staff")
    assert out[-3:] == ["dm:alice| Who is involved?", "dm:alice| (Step 2 of 6)",
                        "dm:alice| [1] A member of staff   [2] The Headteacher   [3] Back   "
                        "[4] Cancel"]
    out = await console.send("A member of staff")
    assert out[1] == "dm:alice| (Step 3 of 6)"


async def test_other_platform_asks_which(app: App, console: ConsoleDriver) -> None:
    await console.send(":in dm", "/friendrequest", "A pupil", "K.L.")
    out = await console.send("Other")
    assert out == ["dm:alice| Which platform was it? Type its name.", "dm:alice| (Step 3 of 6)",
                   "dm:alice| [1] Back   [2] Cancel"]
    out = await console.send("Roblox", "Today", "I ignored it", "Skip")
    assert "dm:alice| Platform: Other: Roblox" in out
    await console.send("Send")
    out = await console.send(":as head", "/list")
    assert " · Other (Roblox) · ignored · " in out[2]
    [saved] = await all_reports(app)
    assert saved.platform == "other"
    assert app.services.cipher.decrypt(saved.platform_other_enc or "") == "Roblox"


async def test_dates_that_cannot_be_say_why(app: App) -> None:
    june = dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC)
    alice = ConsoleDriver(at(app, june), "croughton", "alice", "dm")
    await alice.send("/friendrequest", "A parent", "J.S.", "Facebook")
    expected = {
        "32/13/2026": "32/13/2026 isn't a date: a day is 1 to 31 and a month 1 to 12 "
                      "(day/month/year, e.g. 03/03/2026).",
        "tomorrow": "'tomorrow' is still to come: when did it happen? Type it like 03/03/2026 "
                    "(day/month/year), or choose Today or Yesterday.",
        "31/11/2026": "November has only 30 days, so 31/11/2026 isn't a date.",
        "29/02/2025": "2025 isn't a leap year, so there is no 29 February 2025.",
        "01/07/2026": "01/07/2026 is in the future: when did it happen? (Today is 10/06/2026.)",
        "soon-ish": "I couldn't read 'soon-ish' as a date. Type it like 03/03/2026 "
                    "(day/month/year), or choose Today or Yesterday.",
        "today 25:00": "25:00 isn't a time of day: use e.g. 14:30 or 2:30pm.",
    }
    for typed, why in expected.items():
        assert (await alice.send(typed))[0] == f"dm:alice| {why}", typed
    out = await alice.send("yesterday at 7:30pm")
    assert out[0] == "dm:alice| What did you do?"
    out = await alice.send("I declined it", "Skip")
    assert "dm:alice| When: 09 Jun 2026, 19:30" in out


async def test_free_text_has_a_cap_with_a_clear_message(app: App, console: ConsoleDriver) -> None:
    await console.send(":in dm", "/friendrequest", "A parent")
    out = await console.send("N" * 10_000)
    assert out[0] == ("dm:alice| A name or initials can be at most 100 characters, and that "
                      "was 10,000. Please shorten it, or send the rest as a note in the thread "
                      "after you've sent it.")
    assert out[2] == NAME_STEP
    await console.send("Z" * 100, "Facebook", "Today", "I declined it", "Skip", "Send")
    [number] = await refs(app)
    listed = await console.send(":as head", "/list")
    assert f"#{number} · " in listed[2]
    assert "Z" * 59 + "…" in listed[2]
    assert "Z" * 61 not in listed[2]
