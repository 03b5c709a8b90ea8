"""Who may do what: every role (and a stranger) against every command, in every kind of
chat; then who sees which report in /list, /view and /export."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from bot.app import App
from handlers import build_router
from handlers.events import ChatKind, ChatRef, Event, SchoolRef, Sender
from policies.answer import Audience
from storage.roles import Role
from tests.conftest import ConsoleDriver
from tests.reports.conftest import (
    audit_rows,
    friend_request,
    outbox_rows,
    refs,
    report,
)
from tests.support.people import person

ALL = frozenset(Role)
ANYONE: frozenset[Role | None] = frozenset({*Role, None})  # even someone not in the config
LEADERS = frozenset({Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.CHAIR_OF_GOVERNORS})
STAFF = frozenset({Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.STAFF})
#: command → (roles allowed, allowed in groups too)
RULES: dict[str, tuple[frozenset[Role | None] | frozenset[Role], bool]] = {
    "friendrequest": (STAFF, True), "report": (ANYONE, True), "mine": (ALL, False),
    "view": (ALL, False), "reply": (ALL, False), "correct": (ALL, False),
    "withdraw": (ALL, False), "cancel": (ALL, False), "back": (ALL, False),
    "skip": (ALL, False), "list": (LEADERS, False), "export": (LEADERS, False),
    "outcome": (LEADERS, False), "action": (LEADERS, False), "review": (LEADERS, False),
    "hold": (LEADERS, False), "release": (LEADERS, False),
}
PLACES = {
    "private": ChatRef(kind=ChatKind.PRIVATE, platform_chat_id="dm"),
    "staff group": ChatRef(kind=ChatKind.GROUP, platform_chat_id="g1", chat_id=1,
                           name="staff-room", audience=Audience.STAFF),
    "parent group": ChatRef(kind=ChatKind.GROUP, platform_chat_id="g2", chat_id=2,
                            name="pta", audience=Audience.PARENT),
}
ROUTER = build_router()


@pytest.mark.parametrize("command", list(RULES))
def test_every_role_against_every_command(command: str) -> None:
    roles, in_groups = RULES[command]
    for role, place in itertools.product([*Role, None], PLACES):
        sender = Sender(platform_user_id="u1", display_name="Someone",
                        person_id=None if role is None else 7, handle="someone", role=role)
        event = Event(platform="console", sender=sender, chat=PLACES[place], command=command,
                      school=SchoolRef(1, "croughton", "C", "Europe/London"))
        allowed = role in roles and (place == "private" or in_groups)
        matched = ROUTER.match(event)
        assert (matched.refusal is None) is allowed, (role, place)
        assert (matched.handler is not None) is allowed, (role, place)


async def _three_reports(console: ConsoleDriver) -> None:
    """#1 a friend request (→ head), #2 safeguarding (→ DSL), #3 about the head (→ chair)."""
    await friend_request(console, name="FR-NAME")
    await report(console, category="Safeguarding concern", text="SG-TEXT")
    await report(console, category="The Headteacher is involved", involved=None,
                 text="HEAD-TEXT")


VISIBLE = {"head": {1}, "dsl": {2}, "chair": {3}, "alice": {1, 2, 3}, "bob": set(),
           "pat": set()}


async def test_who_sees_which_report(app: App, console: ConsoleDriver) -> None:
    await _three_reports(console)
    numbers = dict(zip((1, 2, 3), await refs(app), strict=True))
    for handle, visible in VISIBLE.items():
        await console.send(f":as {handle}", ":in dm")
        for which, number in numbers.items():
            out = await console.send(f"/view {number}")
            hidden = f"dm:{handle}| I can't find #{number} among the reports you can see."
            assert (out[0] != hidden) is (which in visible), (handle, which)
        listed = "\n".join(await console.send("/list"))
        if handle in ("head", "dsl", "chair"):
            assert {w for w, n in numbers.items() if f"#{n} · " in listed} == visible, handle
        else:
            assert listed == f"dm:{handle}| Sorry, /list isn't available to you."


async def test_the_head_never_hears_of_or_sees_a_report_about_the_head(
    app: App, console: ConsoleDriver,
) -> None:
    await _three_reports(console)
    head = await person(app, "head")
    first, second, third = await refs(app)
    keys = [row.key for row in await outbox_rows(app) if row.person_id == head.id]
    assert keys == [f"report:1:notify:{head.id}"]  # keys are internal: the database id
    out = await console.send(":as head", ":in dm", "/export", "/list closed", "/list report")
    exported = app.settings.data_dir / "exports"
    [path] = list(exported.iterdir())
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["reference"] for r in rows] == [str(first)]
    assert str(third) not in "\n".join(out) + path.read_text(encoding="utf-8-sig")
    assert str(second) not in "\n".join(out) + path.read_text(encoding="utf-8-sig")
    assert "HEAD-TEXT" not in path.read_text(encoding="utf-8-sig")
    assert "HEAD-TEXT" not in "\n".join(out)
    assert "dm:head| 1 entry, as a spreadsheet." in out[0]


async def test_schools_never_see_each_other(app: App, console: ConsoleDriver) -> None:
    await _three_reports(console)
    other = ConsoleDriver(app, "st-lukes", "head", "dm")
    assert await other.send("/list") == ["dm:head| Nothing to show yet."]
    for number in await refs(app):
        assert await other.send(f"/view {number}") == [
            f"dm:head| I can't find #{number} among the reports you can see."]
    assert await other.send("/export") == ["dm:head| Nothing to export yet."]
    assert {row.school_id for row in await audit_rows(app)} == {
        (await person(app, "head")).school_id, (await person(app, "head", "st-lukes")).school_id}
