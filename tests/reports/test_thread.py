"""The two-way private thread, the list's filters, /mine, the export and the audit log."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from tests.conftest import ConsoleDriver
from tests.reports.conftest import all_reports, audit_rows, friend_request, outbox_rows, report


async def test_read_receipt_question_answer_and_outcome(app: App,
                                                        console: ConsoleDriver) -> None:
    await friend_request(console, name="J.S.")
    out = await console.send(":as head", ":in dm", "1")  # the notification's "Read it"
    assert out[0] == "dm:head| Friend request #1"
    assert "dm:head| Who: A parent, J.S." in out
    assert "dm:alice| The Headteacher has read your friend request #1." in out
    assert len([line for line in await console.send("/view 1")
                if line.startswith("dm:alice|")]) == 0  # told once

    out = await console.send("Ask a question", "Did you know them before?")
    assert "dm:head| Sent, privately, in the thread of #1." in out
    assert "dm:alice| The Headteacher wrote about your friend request #1:" in out
    assert "dm:alice| Did you know them before?" in out

    out = await console.send(":as alice", ":in dm", "Reply", "No, never met them.")
    assert "dm:head| The person who sent #1 wrote:" in out
    assert "dm:head| No, never met them." in out

    out = await console.send(":as head", ":in dm", "/outcome 1 Added to the list; no action.")
    assert out[0] == "dm:head| Outcome recorded for #1; the person who sent it has been told."
    assert "dm:alice| Added to the list; no action." in out
    thread = await console.send("/view 1")
    assert "dm:head| Status: closed" in thread
    assert any(line.startswith("dm:head| — Alice Ames, ") and line.endswith(
        "No, never met them.") for line in thread)
    assert [e.action for e in await audit_rows(app)] == [
        "submit", "view", "view", "message", "message", "outcome", "view"]


async def test_only_the_recipient_records_an_outcome(console: ConsoleDriver) -> None:
    await friend_request(console)
    assert await console.send("/outcome 1 done") == ["dm:alice| Sorry, /outcome isn't "
                                                     "available to you."]
    out = await console.send(":as dsl", ":in dm", "/outcome 1 done")
    assert out == ["dm:dsl| I can't find #1 among the reports you can see."]


async def test_a_thread_message_can_be_cancelled(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    out = await console.send("/reply 1")
    assert out == ["dm:alice| Type your message for #1 below.", "dm:alice| [1] Cancel"]
    assert await console.send("Cancel") == ["dm:alice| Cancelled. Nothing was written."]
    assert [e.action for e in await audit_rows(app)] == ["submit"]


async def test_list_filters_and_mine(app: App, console: ConsoleDriver) -> None:
    await friend_request(console, name="A.A.")
    await report(console, category="Misuse by a pupil", text="name-calling on TikTok")
    await console.send(":in staff-room")
    await friend_request(console, name="B.B.", platform="Instagram")
    await console.send(":as bob", ":in dm")
    await friend_request(console, name="C.C.")

    await console.send(":as head", ":in dm", "/view 2")
    head = ":as head"
    assert _numbers(await console.send(head, "/list")) == [4, 3, 2, 1]
    assert _numbers(await console.send("/list friend")) == [4, 3, 1]
    assert _numbers(await console.send("/list report")) == [2]
    assert _numbers(await console.send("/list read")) == [2]
    assert _numbers(await console.send("/list friend person:bob")) == [4]
    today = dt.datetime.now(dt.UTC).strftime("%d/%m/%Y")
    assert _numbers(await console.send(f"/list date:{today} open")) == [4, 3, 1]
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
        "dm:alice| #3", "dm:alice| #2", "dm:alice| #1"]
    assert "to the Headteacher · read" in mine[2]
    assert await console.send(":as pat", ":in dm", "/mine") == [
        "dm:pat| You haven't sent anything yet. /report or /friendrequest, any time."]
    assert len(await all_reports(app)) == 4


async def test_export_is_private_safe_for_spreadsheets_and_audited(
    app: App, console: ConsoleDriver,
) -> None:
    await friend_request(console, name="=HYPERLINK(\"http://evil\")", note="+1 then")
    out = await console.send(":as head", ":in staff-room", "/export")
    assert out == ["staff-room| /export works in a private chat with me."]
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
