"""The "type your message / outcome below" prompt: it lapses, other commands drop it, a
typed outcome waits for Send, it never replaces a draft (nor a draft it), and the text
is never lost between clearing the prompt and writing it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.app import App
from handlers import report_prompts
from handlers.router import SORRY
from storage import report_events
from storage.models import Conversation, utcnow
from storage.report_models import ReportEvent
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    all_reports,
    at,
    friend_request,
    outbox_rows,
    private_event,
    refs,
)

QUESTION = "can I accept a friend request from a parent?"


def _answered_like_a_question(out: list[str], answer: list[str]) -> bool:
    """``out`` starts with the policy's answer (after it, at most notifications delivered
    to others), and nothing in it was written to a report."""
    return (bool(answer) and out[:len(answer)] == answer and not any(
        line.startswith(("dm:head| Sent", "dm:head| Outcome", "dm:head| Record"))
        for line in out))


async def _thread(app: App) -> list[ReportEvent]:
    """What was written on the record (messages and outcomes)."""
    async with app.services.db.session() as session:
        return [e for e in await session.exec(select(ReportEvent))
                if e.kind in ("message", "outcome")]


async def _conversations(app: App) -> list[Conversation]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(Conversation)))


async def _told_alice(app: App) -> list[str]:
    alice = (await all_reports(app))[0].reporter_id
    return [row.key for row in await outbox_rows(app) if row.person_id == alice]


@pytest.mark.parametrize("button", ["Ask a question", "Record outcome"])
async def test_a_prompt_lapses_and_a_later_message_is_a_policy_question(
    app: App, button: str,
) -> None:
    start = utcnow()
    await friend_request(ConsoleDriver(at(app, start), "croughton", "alice", "dm"))
    [n] = await refs(app)
    head = ConsoleDriver(at(app, start), "croughton", "head", "dm")
    await head.send(f"/view {n}", button)
    told = await _told_alice(app)

    later = ConsoleDriver(at(app, start + dt.timedelta(minutes=11)), "croughton", "head", "dm")
    out = await later.send(QUESTION)
    assert _answered_like_a_question(out, await later.send(f"/policy {QUESTION}"))
    assert await _thread(app) == []
    [saved] = await all_reports(app)
    assert saved.status == "read"
    assert await _told_alice(app) == told
    assert await _conversations(app) == []


async def test_within_ten_minutes_a_message_goes_to_the_thread(app: App) -> None:
    start = utcnow()
    await friend_request(ConsoleDriver(at(app, start), "croughton", "alice", "dm"))
    [n] = await refs(app)
    await ConsoleDriver(at(app, start), "croughton", "head", "dm").send(
        f"/view {n}", "Ask a question")
    soon = ConsoleDriver(at(app, start + dt.timedelta(minutes=9)), "croughton", "head", "dm")
    assert (await soon.send("Who are they?"))[0] == (
        f"dm:head| Sent, privately, in the thread of #{n}.")


async def test_another_command_drops_the_prompt(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    [n] = await refs(app)
    await console.send(":as head", ":in dm", f"/view {n}", "Ask a question")
    out = await console.send("/list")
    assert out[0] == f"dm:head| (I'm no longer waiting for your message for #{n}.)"
    out = await console.send(QUESTION)
    assert _answered_like_a_question(out, await console.send(f"/policy {QUESTION}"))
    assert await _thread(app) == []


async def test_a_typed_outcome_is_confirmed_before_the_report_closes(
    app: App, console: ConsoleDriver,
) -> None:
    await friend_request(console)
    [n] = await refs(app)
    await console.send(":as head", ":in dm", f"/view {n}")
    told = await _told_alice(app)
    out = await console.send("Record outcome", "Spoke to the parent.")
    assert out[-3:] == [
        f"dm:head| Record this as the outcome of #{n}? It closes the friend request and the "
        "person who sent it will be told:", "dm:head| Spoke to the parent.",
        "dm:head| [1] Send   [2] Cancel"]
    assert (await all_reports(app))[0].status == "read"
    assert await _told_alice(app) == told

    assert await console.send("Cancel") == ["dm:head| Cancelled. Nothing was written."]
    assert (await all_reports(app))[0].status == "read"

    await console.send(f"/view {n}", "Record outcome", "First try",
                       "Spoke to the parent; declined.")  # typed again: replaces it
    out = await console.send("Send")
    assert out[0] == f"dm:head| Outcome recorded for #{n}; the person who sent it has been told."
    assert "dm:alice| Spoke to the parent; declined." in out
    [saved] = await all_reports(app)
    assert saved.status == "closed"
    [outcome] = [e for e in await _thread(app) if e.kind == "outcome"]
    assert outcome.body_enc is not None
    assert app.services.cipher.decrypt(outcome.body_enc) == "Spoke to the parent; declined."
    assert await _conversations(app) == []
    assert await console.send("Send") == [  # a stale Send records nothing more
        f"dm:head| There's nothing for #{n} waiting to be sent. "
        f"Use /outcome {n} what was done."]


async def test_a_typed_outcome_left_waiting_is_not_recorded_and_says_so(app: App) -> None:
    start = utcnow()
    await friend_request(ConsoleDriver(at(app, start), "croughton", "alice", "dm"))
    [n] = await refs(app)
    head = ConsoleDriver(at(app, start), "croughton", "head", "dm")
    await head.send(f"/view {n}", "Record outcome", "Spoke to the parent.")
    later = ConsoleDriver(at(app, start + dt.timedelta(minutes=30)), "croughton", "head", "dm")
    out = await later.send(QUESTION)
    assert out[0] == (f"dm:head| (The outcome you typed for #{n} was not recorded: it waited "
                      "more than 10 minutes for Send.)")
    assert _answered_like_a_question(out[1:], await later.send(f"/policy {QUESTION}"))
    assert (await all_reports(app))[0].status == "read"


async def test_reply_buttons_never_replace_a_draft(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    [n] = await refs(app)
    await console.send(":as head", ":in dm", f"/reply {n} Who are they?")
    await console.send(":as alice", ":in dm", "/friendrequest", "A pupil", "K.L.")
    refusal = ("dm:alice| You have a friend request you started and haven't sent yet. Please "
               "finish it (Send) or Cancel it first; your draft is kept until you do.")
    assert (await console.send(f"/view {n}", "Reply"))[-1] == refusal
    assert await console.send(f"/reply {n}") == [refusal]
    out = await console.send("Facebook")  # the draft carries on where it was
    assert "dm:alice| When did it happen? Choose, or type a date like 03/03/2026 (add a time " \
           "if you know it, e.g. 03/03/2026 14:30)." in out

    await console.send(":as head", ":in dm", "/report", "Something else")
    out = await console.send(f"/view {n}", "Record outcome")
    assert out[-1] == ("dm:head| You have a report you started and haven't sent yet. Please "
                       "finish it (Send) or Cancel it first; your draft is kept until you do.")
    assert (await console.send("Someone outside school", "Today"))[-3] == (
        "dm:head| Please describe what happened, in your own words. Type it below.")


async def test_a_draft_never_replaces_a_typed_outcome(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    [n] = await refs(app)
    await console.send(":as head", ":in dm", f"/view {n}", "Record outcome", "Declined; noted.")
    waiting = (f"dm:head| You have an outcome for #{n} waiting to be sent. Please press Send "
               "or Cancel on it first.")
    assert await console.send("/report") == [waiting]
    assert (await console.send(f"/view {n}", "Ask a question"))[-1] == waiting
    out = await console.send("yes")  # typed, like pressing Send
    assert out[0] == f"dm:head| Outcome recorded for #{n}; the person who sent it has been told."
    assert "dm:alice| Declined; noted." in out


async def test_a_failed_write_keeps_the_prompt(app: App, console: ConsoleDriver,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    await friend_request(console)
    [n] = await refs(app)
    await console.send(":as head", ":in dm", f"/view {n}", "Ask a question")

    async def broken(**_: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(report_events, "append", broken)
    event = await private_event(app, "head", text="Who are they?")
    replies = await app.router.dispatch(app.services, event)
    assert [r.message.text for r in replies] == [SORRY]
    [row] = await _conversations(app)
    assert (row.kind, row.state["reference"]) == (report_prompts.NOTE, n)  # still waiting

    monkeypatch.undo()
    assert (await console.send("Who are they?"))[0] == (
        f"dm:head| Sent, privately, in the thread of #{n}.")
