"""The private forms end to end on the console: alice in the staff room, the form in
private, the right person told; back, cancel, abandon, repeat and restart."""

from __future__ import annotations

import datetime as dt

from bot.app import App, build_app
from bot.settings import Settings
from handlers.actions import Action
from handlers.events import ChatKind, ChatRef, Event, Sender
from handlers.reports import POINTER
from storage.roles import Role
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    all_reports,
    friend_request,
    group_lines,
    outbox_rows,
    refs,
    school,
)
from tests.support.people import person


async def test_alice_logs_a_friend_request_and_the_head_is_told(
    app: App, console: ConsoleDriver,
) -> None:
    out = await friend_request(console, name="Jo Smith")
    assert group_lines(out) == [f"staff-room| {POINTER}", "staff-room| [1] Open private chat"]
    assert "dm:alice| Name or initials: Jo Smith" in out
    assert "dm:alice| It will go to the Headteacher." in out
    [number] = await refs(app)
    assert 100_000 <= number <= 999_999
    assert any(line.startswith(f"dm:alice| Thank you. Your friend request is logged as "
                               f"#{number} ") for line in out)
    assert (f"dm:head| A friend request has been logged for your list (#{number}). Read it "
            f"here with /view {number}.") in out
    assert not any(line.startswith(("dm:dsl|", "dm:chair|", "dm:bob|")) for line in out)
    [saved] = await all_reports(app)
    assert (saved.kind, saved.contact_type, saved.platform, saved.staff_action) == (
        "friend_request", "parent", "facebook", "declined")
    assert saved.subject_enc is not None
    assert "Jo Smith" not in saved.subject_enc
    assert app.services.cipher.decrypt(saved.subject_enc) == "Jo Smith"


async def test_buttons_by_number_back_and_typed_dates(app: App, console: ConsoleDriver) -> None:
    await console.send(":in dm", "/friendrequest", "2", "A.B.", "Back")
    out = await console.send("C.D.", "6", "31/12/2099")
    assert "dm:alice| I couldn't read that as a date (not in the future), e.g. 03/03/2026." in out
    out = await console.send("01/09/2025", "3", "Skip")
    assert "dm:alice| Who: An ex-pupil" in out
    assert "dm:alice| Name or initials: C.D." in out
    assert "dm:alice| Platform: Other" in out
    assert "dm:alice| When: 01 Sep 2025" in out
    assert "dm:alice| What you did: It's a relationship I'm declaring" in out
    assert "dm:alice| Note: —" in out
    await console.send("1")  # Send
    [saved] = await all_reports(app)
    assert saved.occurred_on == dt.date(2025, 9, 1)
    assert saved.details_enc is None


async def test_a_choice_step_refuses_free_text(console: ConsoleDriver) -> None:
    await console.send(":in dm", "/report")
    out = await console.send("my colleague posted something")
    assert out[0] == "dm:alice| Please choose one of the options below (or type its number)."


async def test_cancel_records_nothing(app: App, console: ConsoleDriver) -> None:
    out = await console.send(":in dm", "/report", "Safeguarding concern", "Cancel")
    assert out[-1] == "dm:alice| Cancelled. Nothing was recorded."
    assert await all_reports(app) == []
    assert await console.send("1") == ["dm:alice| " + (  # a button of the closed form
        "That form is no longer open. Send /report or /friendrequest to start again.")]


async def test_an_unsent_draft_is_asked_about_before_it_is_discarded(
    app: App, console: ConsoleDriver,
) -> None:
    await console.send(":in dm", "/friendrequest", "A pupil", "K.L.")
    out = await console.send("/report")
    assert out[0].startswith("dm:alice| You have a friend request you started on ")
    assert out[-1] == "dm:alice| [1] Continue it   [2] Discard it and start again"
    out = await console.send("Continue it")
    assert out[2] == "dm:alice| On which platform?"  # where she left off
    out = await console.send(":in staff-room", "/report")
    assert group_lines(out) == [f"staff-room| {POINTER}", "staff-room| [1] Open private chat"]
    out = await console.send(":in dm", "discard")
    assert out[0].startswith("dm:alice| Discarded. Let's make a report.")
    assert "dm:alice| What would you like to report?" in out
    assert await all_reports(app) == []


async def test_the_group_pointer_reopens_the_same_empty_form(console: ConsoleDriver) -> None:
    await console.send("/report")
    out = await console.send("Open private chat")  # on Telegram, a deep link to /report
    assert console.console.state.chat == "dm"
    assert out[0].startswith("dm:alice| Let's make a report.")
    assert "You have a report" not in "\n".join(out)


async def test_send_pressed_twice_records_once(app: App, console: ConsoleDriver) -> None:
    await friend_request(console)
    [number] = await refs(app)
    assert await console.send("Send") == [
        f"dm:alice| That was already sent as #{number}; nothing more to do."]
    assert len(await all_reports(app)) == 1
    assert [r.key for r in await outbox_rows(app)] == [f"report:1:notify:{await _head_id(app)}"]


async def test_a_duplicated_update_records_once(app: App, console: ConsoleDriver) -> None:
    await console.send(":in dm", "/report", "Something else", "Someone outside school",
                       "Spam on the school page")
    assert (await console.send("Skip"))[-1] == "dm:alice| [1] Send   [2] Back   [3] Cancel"
    token = console.console.state.buttons["dm:alice"][0][0].action
    event = await _press(app, token)
    first = await app.router.dispatch(app.services, event)
    again = await app.router.dispatch(app.services, event)
    [number] = await refs(app)
    assert first[0].message.text.startswith(f"Thank you. Your report is sent as #{number} ")
    assert again[0].message.text == f"That was already sent as #{number}; nothing more to do."
    assert len(await all_reports(app)) == 1


async def test_a_restart_in_the_middle_of_a_flow_resumes_it(
    app: App, console: ConsoleDriver, settings: Settings,
) -> None:
    await console.send(":in dm", "/report", "Misuse by a member of staff", "A member of staff")
    second = await build_app(settings, migrate=False, with_answers=False)
    try:
        resumed = ConsoleDriver(second, "croughton", "alice", "dm")
        out = await resumed.send("Mr X shared a pupil's photo", "Skip")
        assert "dm:alice| What: Misuse by a member of staff" in out
        assert "dm:alice| What happened: Mr X shared a pupil's photo" in out
        out = await resumed.send("Send")
        [number] = await refs(app)
        assert any(line.startswith(f"dm:head| You have a new private report (#{number})")
                   for line in out)
    finally:
        await second.close()
    [saved] = await all_reports(app)
    assert (saved.category, saved.involved, saved.handler_role) == (
        "staff_misuse", "staff", "headteacher")


async def _head_id(app: App) -> int:
    return (await person(app, "head")).id or 0


async def _press(app: App, action: str) -> Event:
    """A button press as a platform delivers it (and might deliver it twice)."""
    alice = await person(app, "alice")
    return Event(platform="console", school=await school(app),
                 sender=Sender(platform_user_id="alice", display_name=alice.name,
                               person_id=alice.id, handle="alice", role=Role.STAFF),
                 chat=ChatRef(kind=ChatKind.PRIVATE, platform_chat_id="dm:alice"),
                 action=Action.parse(action), update_key="console:dup")
