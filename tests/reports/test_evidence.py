"""Evidence: a screenshot sent during a report is kept with it, encrypted, up to a size
limit with a clear message past it; its readers (and only they) receive it privately
with /view; it never reaches a group, whatever anyone sends where (a property test);
the export lists it."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import App
from handlers.report_evidence import MAX_BYTES
from handlers.router import CAPTION_ONLY, TEXT_ONLY, TEXT_ONLY_GROUP
from storage.report_models import ReportEvidence
from tests.conftest import ConsoleDriver
from tests.reports.conftest import all_reports, refs, send_file

SCREENSHOT = b"\x89PNG fake screenshot bytes: EVIDENCE-MARK " * 50


async def _files(app: App) -> list[ReportEvidence]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(ReportEvidence)))


async def _draft_to_evidence_step(console: ConsoleDriver) -> None:
    await console.send(":in dm", "/report", "Safeguarding concern", "A pupil", "Today",
                       "She showed me messages from an adult", "Skip")


async def test_a_screenshot_is_kept_encrypted_and_goes_with_the_report(
    app: App, console: ConsoleDriver,
) -> None:
    await _draft_to_evidence_step(console)
    out = await send_file(console, SCREENSHOT, kind="document", filename="chat.png",
                          mime="image/png", caption="the messages")
    assert out[0] == ("dm:alice| Kept chat.png (2 KB) with your report, encrypted: 1 file so "
                      "far. They go with it when you press Send, and only the people who read "
                      "it get them, privately. I've kept your caption with it.")
    assert out[-2] == "dm:alice| (1 file so far.)"
    assert out[-1] == "dm:alice| [1] Done   [2] Back   [3] Cancel"
    out = await console.send("Done")
    assert "dm:alice| Evidence: 1 file (chat.png, 2 KB)" in out
    await console.send("Send")
    [stored] = await _files(app)
    [saved] = await all_reports(app)
    assert stored.report_id == saved.id
    assert b"EVIDENCE-MARK" not in stored.content_enc.encode()
    assert app.services.cipher.decrypt_bytes(stored.content_enc) == SCREENSHOT
    assert stored.sha256 == hashlib.sha256(SCREENSHOT).hexdigest()
    assert app.services.cipher.decrypt(stored.caption_enc or "") == "the messages"


async def test_readers_receive_the_files_privately_with_view(app: App,
                                                              console: ConsoleDriver) -> None:
    await _draft_to_evidence_step(console)
    await send_file(console, SCREENSHOT)
    await console.send("Done", "Send")
    [n] = await refs(app)
    out = await console.send(":as dsl", ":in dm", f"/view {n}")
    assert "dm:dsl| Evidence: 1 file (photo-1.jpg, 2 KB)" in out
    assert f"dm:dsl| Evidence 1 of 1 for #{n}: photo-1.jpg" in out
    saved_to = [line for line in out if line.startswith("dm:dsl| [file] photo-1.jpg saved to ")]
    assert len(saved_to) == 1
    path = app.settings.data_dir / "exports" / "photo-1.jpg"
    assert path.read_bytes() == SCREENSHOT
    path.unlink()
    out = await console.send(":as alice", f"/view {n}")
    assert not any("[file]" in line for line in out)  # the reporter has it already
    out = await console.send(":as head", f"/view {n}")
    assert out == [f"dm:head| I can't find #{n} among the reports you can see."]
    assert not path.exists()


async def test_a_file_past_the_limit_is_refused_clearly(app: App, console: ConsoleDriver) -> None:
    await _draft_to_evidence_step(console)
    out = await send_file(console, b"x" * (MAX_BYTES + 1))
    assert out[0] == ("dm:alice| That file is 10.0 MB, and I can keep files up to 10.0 MB. "
                      "Please send a smaller one (a screenshot rather than a recording), or "
                      "describe it in words and paste a link. Nothing else has changed.")
    out = await send_file(console, b"ogg", kind="voice", mime="audio/ogg")
    assert out[0].startswith("dm:alice| I can keep photos, screenshots and files (documents) "
                             "with a report, but not voice messages")
    assert await _files(app) == []


async def test_files_without_a_draft_get_todays_notes(app: App, console: ConsoleDriver) -> None:
    assert await send_file(console, SCREENSHOT) == [f"staff-room| {TEXT_ONLY_GROUP}"]
    await console.send(":in dm")
    assert await send_file(console, SCREENSHOT) == [f"dm:alice| {TEXT_ONLY}"]
    out = await send_file(console, SCREENSHOT, caption="hello")
    assert out[0] == f"dm:alice| {CAPTION_ONLY}"
    assert await _files(app) == []


async def test_cancelling_a_draft_discards_its_files(app: App, console: ConsoleDriver) -> None:
    await _draft_to_evidence_step(console)
    await send_file(console, SCREENSHOT)
    assert len(await _files(app)) == 1
    await console.send("/cancel")
    assert await _files(app) == []


async def test_the_export_lists_the_evidence(app: App, console: ConsoleDriver) -> None:
    await _draft_to_evidence_step(console)
    await send_file(console, SCREENSHOT, kind="document", filename="chat.png", mime="image/png")
    await console.send("Done", "Send")
    await console.send(":as dsl", ":in dm", "/export")
    [path] = [p for p in (app.settings.data_dir / "exports").iterdir() if p.suffix == ".csv"]
    [row] = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    assert row["evidence_count"] == "1"
    assert row["evidence"].endswith(f" chat.png (image/png, {len(SCREENSHOT)} bytes, sha256 "
                                    f"{hashlib.sha256(SCREENSHOT).hexdigest()})")


people = st.sampled_from(["alice", "bob", "head", "dsl", "pat"])
places = st.sampled_from(["staff-room", "pta", "dm"])
typed = st.sampled_from(["/report", "Safeguarding concern", "A pupil", "Today", "text", "Skip",
                         "Done", "Send", "/view", "/list", "/export", "Read it", "1", "2"])
moves = st.lists(st.tuples(people, places, st.one_of(typed, st.just("FILE"))), min_size=1,
                 max_size=14)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=moves)
async def test_evidence_never_reaches_a_group(app: App, script: list[tuple[str, str, str]]) -> None:
    quiet = dataclasses.replace(app, services=dataclasses.replace(app.services, answers=None))
    driver = ConsoleDriver(quiet, "croughton", "alice", "dm")
    numbers: list[int] = []
    for handle, chat, line in script:
        await driver.send(f":as {handle}", f":in {chat}")
        if line == "FILE":
            out = await send_file(driver, SCREENSHOT, kind="document",
                                  filename="EVIDENCE-MARK.png", mime="image/png")
        else:
            numbers = await refs(app) or numbers
            wanted = f"/view {numbers[-1]}" if line == "/view" and numbers else line
            out = await driver.send(wanted)
        for printed in out:
            where, _, text = printed.partition("| ")
            if not where.startswith("dm:"):
                assert "[file]" not in text, printed
                assert "EVIDENCE-MARK" not in text, printed
                assert "Evidence" not in text, printed
