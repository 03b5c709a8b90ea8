"""One thread for all readers, and an append-only record: every reader is told of each
message, question, answer and outcome (and actions, which the reporter isn't); the
reporter's corrections and withdrawal are added beside what they sent, which never
changes; the chronology shows all of it, in order."""

from __future__ import annotations

from bot.app import App
from tests.conftest import ConsoleDriver
from tests.reports.conftest import all_reports, audit_rows, chronology, refs, report

READERS = ("dsl", "deputy")


async def _safeguarding(app: App) -> tuple[ConsoleDriver, int]:
    alice = ConsoleDriver(app, "croughton", "alice", "dm")
    await report(alice, category="Safeguarding concern", text="ORIGINAL WORDS")
    return alice, (await refs(app))[-1]


def _told(out: list[str], handle: str, text: str) -> bool:
    return f"dm:{handle}| {text}" in out


async def test_every_reader_is_told_of_each_question_answer_and_outcome(deputy_app: App) -> None:
    alice, n = await _safeguarding(deputy_app)
    dsl = ConsoleDriver(deputy_app, "croughton", "dsl", "dm")
    out = await dsl.send(f"/reply {n} Did she say who it was?")
    assert _told(out, "alice", "Did she say who it was?")
    assert _told(out, "deputy", f"Dee Lead (Designated Safeguarding Lead) wrote in the thread "
                                f"of #{n}:")
    assert not any(line.startswith("dm:head|") for line in out)

    out = await alice.send(f"/reply {n} No, only a username.")
    assert _told(out, "dsl", f"The person who sent #{n} wrote:")
    assert _told(out, "deputy", "No, only a username.")

    deputy = ConsoleDriver(deputy_app, "croughton", "deputy", "dm")
    out = await deputy.send(f"/action {n} Referred to children's social care (MASH).")
    assert out[0] == f"dm:deputy| Action recorded on #{n} (it stays open). The other readers " \
                     "have been told."
    assert _told(out, "dsl", "Referred to children's social care (MASH).")
    assert not any(line.startswith("dm:alice|") and "MASH" in line for line in out)
    assert _told(out, "alice", f"Dan Deputy (Deputy DSL) has read your report #{n}.")

    out = await dsl.send(f"/outcome {n} Social care are leading; school monitoring.")
    assert _told(out, "alice", "Social care are leading; school monitoring.")
    assert _told(out, "deputy", f"Dee Lead (Designated Safeguarding Lead) recorded the outcome "
                                f"of #{n}:")
    assert not any(line.startswith("dm:head|") for line in out)


async def test_each_reader_has_their_own_read_state(deputy_app: App) -> None:
    _, n = await _safeguarding(deputy_app)
    dsl = ConsoleDriver(deputy_app, "croughton", "dsl", "dm")
    shown = await dsl.send(f"/view {n}")
    assert "dm:dsl| Status: open" in shown
    assert any(line.startswith("dm:dsl| Read by: Dee Lead (Designated Safeguarding Lead), ")
               and line.endswith(". Not yet read by: Dan Deputy (Deputy DSL).") for line in shown)
    deputy = ConsoleDriver(deputy_app, "croughton", "deputy", "dm")
    listed = await deputy.send("/list")
    assert listed[2].endswith("· safeguarding concern · read by others, new to you · from "
                              "Alice Ames")
    await deputy.send(f"/view {n}")
    assert (await deputy.send("/list"))[2].endswith("· safeguarding concern · read · from "
                                                     "Alice Ames")


async def test_a_correction_is_added_beside_what_was_sent(deputy_app: App) -> None:
    alice, n = await _safeguarding(deputy_app)
    out = await alice.send(f"/correct {n} It was on Tuesday, not Monday.")
    assert out[0] == (f"dm:alice| Your correction is added to #{n}, dated, beside what you "
                      "first sent (which stays as it was). The Designated Safeguarding Lead "
                      "(DSL) and the deputy DSLs can see it and have been told.")
    assert _told(out, "dsl", "It was on Tuesday, not Monday.")
    assert _told(out, "deputy", f"The person who sent #{n} added a correction:")
    shown = await ConsoleDriver(deputy_app, "croughton", "dsl", "dm").send(f"/view {n}")
    assert "dm:dsl| What happened: ORIGINAL WORDS" in shown
    assert any(line.endswith(" · correction by Alice Ames: It was on Tuesday, not Monday.")
               for line in shown)
    [saved] = await all_reports(deputy_app)
    assert deputy_app.services.cipher.decrypt(saved.details_enc or "") == "ORIGINAL WORDS"
    dsl = ConsoleDriver(deputy_app, "croughton", "dsl", "dm")
    assert (await dsl.send(f"/correct {n} something"))[0] == (
        f"dm:dsl| Only the person who sent #{n} can do that.")


async def test_a_withdrawal_keeps_the_report_and_its_reason(deputy_app: App) -> None:
    alice, n = await _safeguarding(deputy_app)
    out = await alice.send("/view " + str(n), "Withdraw it", "I misunderstood what she said.")
    assert out[-3:] == [
        f"dm:alice| Withdraw #{n} with this reason? It stays on the record, marked withdrawn, "
        "and its readers will be told:", "dm:alice| I misunderstood what she said.",
        "dm:alice| [1] Send   [2] Cancel"]
    out = await alice.send("Send")
    assert out[0] == (f"dm:alice| #{n} is withdrawn. It stays on the record with your reason "
                      "(nothing is deleted), and the Designated Safeguarding Lead (DSL) and the "
                      "deputy DSLs can still act on it. They have been told.")
    assert _told(out, "dsl", f"The person who sent #{n} has withdrawn it. Their reason:")
    [saved] = await all_reports(deputy_app)
    assert saved.status == "withdrawn"
    assert (await alice.send(f"/withdraw {n} again"))[0] == (
        f"dm:alice| #{n} is already withdrawn; there's nothing to withdraw.")
    dsl = ConsoleDriver(deputy_app, "croughton", "dsl", "dm")
    out = await dsl.send(f"/outcome {n} Spoke to the pupil; no further concern.")
    assert out[0] == f"dm:dsl| Outcome recorded for #{n}; the person who sent it has been told."
    shown = await dsl.send(f"/view {n}")
    assert any(line.endswith(" · withdrawn by Alice Ames: I misunderstood what she said.")
               for line in shown)


async def test_the_chronology_holds_every_step_in_order(deputy_app: App) -> None:
    alice, n = await _safeguarding(deputy_app)
    dsl = ConsoleDriver(deputy_app, "croughton", "dsl", "dm")
    await dsl.send(f"/view {n}", f"/reply {n} Any screenshots?")
    await alice.send(f"/reply {n} No.", f"/correct {n} She is in Year 5.")
    await dsl.send(f"/action {n} Called parents.", f"/outcome {n} Closed: parents aware.")
    [saved] = await all_reports(deputy_app)
    entries = await chronology(deputy_app, saved)
    assert [e.kind for e in entries] == ["recorded", "notified", "notified", "read", "message",
                                         "message", "correction", "action", "outcome"]
    assert [e.created_at for e in entries] == sorted(e.created_at for e in entries)
    assert saved.closed_by is not None
    assert saved.closed_at is not None
    assert {"action", "correction", "outcome", "message"} <= {
        e.action for e in await audit_rows(deputy_app)}


async def test_thread_text_has_a_length_cap(app: App, console: ConsoleDriver) -> None:
    await report(console, category="Something else", text="x")
    [n] = await refs(app)
    out = await console.send(f"/reply {n} " + "y" * 4001)
    assert out == ["dm:alice| That's 4,001 characters; please keep it to 4,000 (send the rest "
                   "as another message)."]
