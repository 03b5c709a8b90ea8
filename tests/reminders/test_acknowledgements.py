"""/ack, the "I have read it" button and /ackstatus, through the console platform;
and a changed policy file becoming a new version that everyone is asked about again."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bot.app import App
from handlers.reminders import plan_due
from handlers.replies import Button
from storage import acks
from tests.reminders.conftest import (
    LONDON_MONDAY,
    NUDGE,
    at,
    console_at,
    outbox_rows,
    run_at,
    who,
)

TUESDAY = LONDON_MONDAY + dt.timedelta(days=1)


async def test_staff_acknowledge_with_ack(school: App) -> None:
    await run_at(school, LONDON_MONDAY)
    assert await console_at(school, LONDON_MONDAY, "alice").send("/ack") == [
        "dm:alice| Thank you, Alice Ames. I've recorded that you have read Croughton All Saints "
        "CE Primary School Social Media Policy (version 1, approved January 2024) (23 Nov)."]
    assert await console_at(school, TUESDAY, "alice").send("/ack") == [
        "dm:alice| You already confirmed you have read Croughton All Saints CE Primary School "
        "Social Media Policy (version 1, approved January 2024) on 23 Nov. Thank you!"]


async def test_the_button_on_a_nudge_acknowledges(school: App) -> None:
    await plan_due(at(school, LONDON_MONDAY).services)
    bob = console_at(school, LONDON_MONDAY, "bob")
    shown = await bob.send("/whoami")  # the console delivers the waiting nudges after it
    assert any(line.startswith("dm:bob| Please confirm that you have read") for line in shown)
    assert "dm:bob| [1] I have read it   [2] Read the policy" in shown
    assert (await bob.send("1")) == [
        "dm:bob| Thank you, Bob Brown. I've recorded that you have read Croughton All Saints CE "
        "Primary School Social Media Policy (version 1, approved January 2024) (23 Nov)."]
    assert (await bob.send("1"))[0].startswith("dm:bob| You already confirmed")


async def test_ack_is_for_staff_roles_and_in_private(school: App) -> None:
    assert await console_at(school, LONDON_MONDAY, "pat").send("/ack") == [
        "dm:pat| You aren't on the list of people asked to acknowledge the staff policy, so "
        "there is nothing to confirm."]
    staff_room = console_at(school, LONDON_MONDAY, "alice")
    await staff_room.send(":in staff-room")
    assert await staff_room.send("/ack") == [
        "staff-room| /ack works in a private chat with me.",
        "staff-room| [1] Open private chat"]
    assert await console_at(school, LONDON_MONDAY, "alice").send("/ackstatus") == [
        "dm:alice| Sorry, /ackstatus isn't available to you."]


async def test_ackstatus_shows_the_headteacher_who_has_and_has_not(school: App) -> None:
    await run_at(school, LONDON_MONDAY)
    await console_at(school, LONDON_MONDAY, "alice").send("/ack")
    await console_at(school, TUESDAY, "dsl").send("/ack")
    assert await console_at(school, TUESDAY, "head").send("/ackstatus") == [
        "dm:head| Croughton All Saints CE Primary School Social Media Policy (version 1, "
        "approved January 2024), published 23 Nov:",
        "dm:head| 2 of 4 staff have confirmed they have read it.",
        "dm:head| Confirmed: Alice Ames (23 Nov), Dee Lead (24 Nov)",
        "dm:head| Not yet: Bob Brown, Head Teacher",
        "dm:head| Next review: 1 January 2026, overdue.",
    ]


async def test_a_changed_policy_is_a_new_version_and_everyone_is_asked_again(
    school: App, school_dir: Path,
) -> None:
    await run_at(school, LONDON_MONDAY)
    await console_at(school, LONDON_MONDAY, "alice").send("/ack")
    policy = school_dir / "croughton.txt"
    policy.write_text(policy.read_text(encoding="utf-8") + "\nStaff must not livestream "
                      "lessons.\n", encoding="utf-8")
    wednesday = LONDON_MONDAY + dt.timedelta(days=2)
    republished = await run_at(school, wednesday)
    assert who(republished, NUDGE) == ["alice", "bob", "dsl", "head"]
    assert "The staff social media policy has been updated: Croughton All Saints CE Primary " \
           "School Social Media Policy (version 2, approved January 2024)" in \
           republished.sent[0][1]
    what = re.search(r"What changed: (.*?)\. When", republished.sent[0][1])
    assert what is not None  # the one section the new line went into, not every section
    assert what[1].count("\u201c") == 1
    status = await console_at(school, wednesday, "head").send("/ackstatus")
    assert "dm:head| 0 of 4 staff have confirmed they have read it." in status
    assert "dm:head| Earlier, version 1: 1 of 4 confirmed." in status
    # bob presses the button on his version-1 nudge from Monday
    async with school.services.db.session() as session:
        versions = await acks.recent_versions(session=session, school_id=1)
    bob = console_at(school, wednesday, "bob")
    bob.console.state.buttons["dm:bob"] = [(Button("I have read it", f"ack:{versions[-1].id}"),)]
    assert await bob.send("1") == [
        "dm:bob| That button was for an earlier version. The policy has been updated since: "
        "Croughton All Saints CE Primary School Social Media Policy (version 2, approved "
        "January 2024). Please read the new version, then confirm.",
        "dm:bob| [1] I have read it   [2] Read the policy"]
    assert (await bob.send("1"))[0].startswith("dm:bob| Thank you, Bob Brown.")


async def test_a_new_version_cancels_the_old_versions_waiting_nudges(
    school: App, school_dir: Path,
) -> None:
    saturday = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    await run_at(school, saturday)  # version 1 nudges wait for Monday
    policy = school_dir / "croughton.txt"
    policy.write_text(policy.read_text(encoding="utf-8") + "\nA new rule.\n", encoding="utf-8")
    await run_at(school, saturday + dt.timedelta(hours=1))
    monday = await run_at(school, LONDON_MONDAY)
    assert who(monday, NUDGE) == ["alice", "bob", "dsl", "head"]
    assert all("version 2" in text for _, text in monday.sent if NUDGE in text)
    statuses = sorted({(key.split(":")[1], status) for key, status, _ in
                       await outbox_rows(school, "nudge:")})
    assert statuses == [("v1", "cancelled"), ("v2", "sent")]
