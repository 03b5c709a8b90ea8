"""The two-way private thread, the list's filters, /mine, the export and the audit log."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    all_reports,
    audit_rows,
    friend_request,
    outbox_rows,
    refs,
    report,
)


async def test_read_receipt_question_answer_and_outcome(app: App,
                                                        console: ConsoleDriver) -> None:
    await friend_request(console, name="J.S.")
    [n] = await refs(app)
    out = await console.send(":as head", ":in dm", "1")  # the notification's "Read it"
    assert out[0] == f"dm:head| Friend request #{n}"
    assert "dm:head| Who: A parent, J.S." in out
    assert f"dm:alice| The Headteacher has read your friend request #{n}." in out
    assert len([line for line in await console.send(f"/view {n}")
                if line.startswith("dm:alice|")]) == 0  # told once

    out = await console.send("Ask a question", "Did you know them before?")
    assert f"dm:head| Sent, privately, in the thread of #{n}." in out
    assert f"dm:alice| The Headteacher wrote about your friend request #{n}:" in out
    assert "dm:alice| Did you know them before?" in out

    out = await console.send(":as alice", ":in dm", "Reply", "No, never met them.")
    assert f"dm:head| The person who sent #{n} wrote:" in out
    assert "dm:head| No, never met them." in out

    out = await console.send(":as head", ":in dm", f"/outcome {n} Added to the list; no action.")
    assert out[0] == f"dm:head| Outcome recorded for #{n}; the person who sent it has been told."
    assert "dm:alice| Added to the list; no action." in out
    thread = await console.send(f"/view {n}")
    assert "dm:head| Status: closed" in thread
    assert any(line.startswith("dm:head| — Alice Ames, ") and line.endswith(
        "No, never met them.") for line in thread)
    assert [e.action for e in await audit_rows(app)] == [
        "submit", "view", "view", "message", "message", "outcome", "view"]


async def test_only_the_recipient_records_an_outcome(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    [n] = await refs(app)
    assert await console.send(f"/outcome {n} done") == ["dm:alice| Sorry, /outcome isn't "
                                                        "available to you."]
    out = await console.send(":as dsl", ":in dm", f"/outcome {n} done")
    assert out == [f"dm:dsl| I can't find #{n} among the reports you can see."]


async def test_a_thread_message_can_be_cancelled(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    [n] = await refs(app)
    out = await console.send(f"/reply {n}")
    assert out == [f"dm:alice| Type your message for #{n} below.", "dm:alice| [1] Cancel"]
    assert await console.send("Cancel") == ["dm:alice| Cancelled. Nothing was written."]
    assert [e.action for e in await audit_rows(app)] == ["submit"]


async def test_list_filters_and_mine(app: App, console: ConsoleDriver) -> None:
    await friend_request(console, name="A.A.")
    await report(console, category="Misuse by a pupil", text="name-calling on TikTok")
    await console.send(":in staff-room")
    await friend_request(console, name="B.B.", platform="Instagram")
    await console.send(":as bob", ":in dm")
    await friend_request(console, name="C.C.")

    one, two, three, four = await refs(app)
    await console.send(":as head", ":in dm", f"/view {two}")
    head = ":as head"
    assert _numbers(await console.send(head, "/list")) == [four, three, two, one]
    assert _numbers(await console.send("/list friend")) == [four, three, one]
    assert _numbers(await console.send("/list report")) == [two]
    assert _numbers(await console.send("/list read")) == [two]
    assert _numbers(await console.send("/list friend person:bob")) == [four]
    today = dt.datetime.now(dt.UTC).strftime("%d/%m/%Y")
    assert _numbers(await console.send(f"/list date:{today} open")) == [four, three, one]
    assert _numbers(await console.send("/list until:01/01/2020")) == []
    assert (await console.send("/list everything"))[0].startswith(
        "dm:head| I don't understand 'everything'.")
    assert (await console.send("/list person:nobody"))[0] == (
        "dm:head| There's no one called 'nobody' at your school.")
    lines = await console.send("/list")
    assert any("friend request · a parent B.B. · Instagram · declined · open · from "
               "Alice Ames" in line for line in lines)

    mine = await console.send(":as alice", ":in dm", "/mine")
    assert mine[0] == "dm:alice| What you've sent:"
    assert [line.split(" · ")[0] for line in mine[1:-1]] == [
        f"dm:alice| #{three}", f"dm:alice| #{two}", f"dm:alice| #{one}"]
    assert "to the Headteacher · read" in mine[2]
    assert await console.send(":as pat", ":in dm", "/mine") == [
        "dm:pat| You haven't sent anything yet. /report or /friendrequest, any time."]
    assert len(await all_reports(app)) == 4


async def test_export_is_private_safe_for_spreadsheets_and_audited(
    app: App, console: ConsoleDriver,
) -> None:
    await friend_request(console, name="=HYPERLINK(\"http://evil\")", note="+1 then")
    out = await console.send(":as head", ":in staff-room", "/export")
    assert out == ["staff-room| /export works in a private chat with me.",
                   "staff-room| [1] Open private chat"]
    out = await console.send(":in dm", "/export friend")
    assert out[0].startswith("dm:head| 1 entry, as a spreadsheet.")
    [path] = list((app.settings.data_dir / "exports").iterdir())
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("number,received,kind,category,sent_by,sent_to")
    assert "'=HYPERLINK" in text
    assert ",'+1 then," in text
    exports = [e for e in await audit_rows(app) if e.action == "export"]
    assert [(e.detail, e.report_id) for e in exports] == [("1 entry; filters: friend", None)]
    assert "HYPERLINK" not in "".join(row.payload for row in await outbox_rows(app))


def _numbers(lines: list[str]) -> list[int]:
    return [int(line.split("#")[1].split(" ")[0]) for line in lines
            if line.split("| ", 1)[-1].startswith("#")]


async def test_a_second_outcome_keeps_the_first_and_tells_the_reporter_again(
    app: App, console: ConsoleDriver,
) -> None:
    await friend_request(console)
    [n] = await refs(app)
    await console.send(":as head", ":in dm", f"/outcome {n} Declined; noted on the list.")
    out = await console.send(f"/outcome {n} Parent spoken to as well.")
    assert out[0] == (f"dm:head| Outcome updated for #{n} (the earlier one stays in the "
                      "thread); the person who sent it has been told.")
    assert f"dm:alice| The outcome of your friend request #{n} has been updated:" in out
    assert "dm:alice| Parent spoken to as well." in out
    shown = await console.send(f"/view {n}")
    assert "dm:head| Outcome: Parent spoken to as well." in shown
    history = [line.split(": ", 1)[1] for line in shown
               if line.startswith("dm:head| — Head Teacher recorded the outcome, ")]
    assert history == ["Declined; noted on the list.", "Parent spoken to as well."]
    assert len([r for r in await outbox_rows(app) if ":outcome:" in r.key]) == 2
    assert [e.action for e in await audit_rows(app)].count("outcome") == 2
