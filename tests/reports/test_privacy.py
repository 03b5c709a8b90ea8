"""Private by construction: whatever people type or press, in whatever order and chat,
nothing a group sees carries report text, a category or a reporter; and free text is
encrypted at rest, including in queued notifications."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import App
from handlers.report_routing import CATEGORY_LABELS, INVOLVED_LABELS
from handlers.reports import POINTER
from storage.models import Conversation
from storage.report_models import ReportEvent
from tests.conftest import ConsoleDriver
from tests.reports.conftest import all_reports, friend_request, outbox_rows, refs, report

MARK = "SECRET"
secret_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=24).map(
    lambda s: f"{MARK}{s}".replace("\n", " "))
private_input = st.one_of(
    secret_text, st.sampled_from(["/report", "/friendrequest", "/mine", "Send", "Back",
                                  "Skip", "Cancel", "Continue it", "discard", "Yesterday"]),
    st.integers(1, 9).map(str))
group_input = st.one_of(
    st.sampled_from(["/report", "/friendrequest", "/mine", "/list", "/view 1"]),
    secret_text.map(lambda s: f"/report {s}"), st.integers(1, 3).map(str))
move = st.tuples(st.sampled_from(["alice", "bob", "head", "pat"]),
                 st.sampled_from(["staff-room", "pta", "dm"]),
                 st.one_of(private_input, group_input))
GROUP_SAFE = {POINTER, "[1] Open private chat"}
NAMES = ("Alice Ames", "Bob Brown", "Pat Parent", "Head Teacher")
CONTENT_WORDS = [label.lower() for label in (*CATEGORY_LABELS.values(),
                                              *INVOLVED_LABELS.values())]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(move, min_size=1, max_size=10))
async def test_no_group_bound_message_carries_report_text(
    app: App, moves: list[tuple[str, str, str]],
) -> None:
    quiet = dataclasses.replace(app, services=dataclasses.replace(app.services, answers=None))
    console = ConsoleDriver(quiet, "croughton", "alice", "staff-room")
    for handle, chat, line in moves:
        for out in await console.send(f":as {handle}", f":in {chat}", line):
            where, _, text = out.partition("| ")
            if where.startswith("dm:"):
                continue
            assert MARK not in text
            assert not any(name in text for name in NAMES)
            assert text in GROUP_SAFE or text.startswith(("Sorry, /", "/")), text
            assert not any(word in text.lower() for word in CONTENT_WORDS), text


async def test_free_text_is_encrypted_at_rest_everywhere(app: App,
                                                         console: ConsoleDriver) -> None:
    await console.send(":in dm", "/friendrequest", "A pupil", "TOPSECRET-NAME")
    async with app.services.db.session() as session:
        [draft] = list(await session.exec(select(Conversation)))
    assert "TOPSECRET" not in str(draft.state)  # even an unsent draft
    await console.send("Other", "TOPSECRET-PLATFORM", "Today", "I ignored it", "TOPSECRET-NOTE",
                       "Send")
    await report(console, category="Something else", text="TOPSECRET-TEXT",
                 links="https://example.org/TOPSECRET")
    first, second = await refs(app)
    await console.send(":as head", ":in dm", f"/reply {first} TOPSECRET-QUESTION",
                       f"/outcome {second} TOPSECRET-OUTCOME")
    stored = [str(r.model_dump()) for r in await all_reports(app)]
    async with app.services.db.session() as session:
        stored += [m.body_enc or "" for m in await session.exec(select(ReportEvent))]
    stored += [row.payload for row in await outbox_rows(app)]
    assert stored
    assert not any("TOPSECRET" in value for value in stored)
    notices = [app.services.cipher.decrypt(row.payload) for row in await outbox_rows(app)
               if ":notify:" in row.key]
    assert notices
    assert not any("TOPSECRET" in n or "Alice" in n for n in notices)


async def test_a_form_started_in_the_parents_chat_is_just_as_private(
    console: ConsoleDriver,
) -> None:
    out = await console.send(":as pat", ":in pta", "/report")
    assert [line for line in out if line.startswith("pta|")] == [
        f"pta| {POINTER}", "pta| [1] Open private chat"]
    out = await console.send("/friendrequest")
    assert out == ["pta| Sorry, /friendrequest isn't available to you."]
    out = await friend_request(ConsoleDriver(console.console.app, "croughton", "bob", "pta"))
    assert [line for line in out if line.startswith("pta|")] == [
        f"pta| {POINTER}", "pta| [1] Open private chat"]
