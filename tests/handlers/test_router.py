"""Routing is pure: which handler (or which refusal) an event gets, without I/O."""

from __future__ import annotations

import pytest

from handlers import build_router
from handlers.actions import Action
from handlers.context import Services
from handlers.events import ChatKind, ChatRef, Event, SchoolRef, Sender
from handlers.replies import Reply, say
from handlers.router import Router, Where
from policies.answer import Audience
from storage.roles import Role

SCHOOL = SchoolRef(1, "croughton", "Croughton", "Europe/London")
STAFF_ROOM = ChatRef(ChatKind.GROUP, "-1", chat_id=1, name="staff-room", audience=Audience.STAFF)
PTA = ChatRef(ChatKind.GROUP, "-2", chat_id=2, name="pta", audience=Audience.PARENT)
PRIVATE = ChatRef(ChatKind.PRIVATE, "5")


def sender(role: Role | None) -> Sender:
    if role is None:
        return Sender("999", "Stranger")
    return Sender("5", "Someone", person_id=5, handle="someone", role=role)


def event(command: str | None = None, *, role: Role | None = Role.STAFF,
          chat: ChatRef = STAFF_ROOM, action: str | None = None, text: str = "",
          mentions: bool = False) -> Event:
    return Event(platform="test", school=SCHOOL, sender=sender(role), chat=chat, text=text,
                 command=command, action=Action.parse(action) if action else None,
                 mentions_bot=mentions)


async def nothing(services: Services, event: Event) -> list[Reply]:
    return [say("ok")]


def router_with(roles: list[Role] | None, where: Where) -> Router:
    router = Router()
    router.command("thing", summary="a thing", roles=roles, where=where)(nothing)
    router.action("btn")(nothing)
    router.text(nothing)
    return router


def test_commands_route_to_their_handler() -> None:
    assert router_with(None, Where.ANYWHERE).match(event("thing")).handler is nothing


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.HEADTEACHER, True), (Role.STAFF, False), (Role.PARENT, False), (None, False)])
def test_roles_are_enforced(role: Role | None, allowed: bool) -> None:
    route = router_with([Role.HEADTEACHER], Where.ANYWHERE).match(event("thing", role=role))
    assert (route.handler is not None) is allowed
    if role is None:
        assert "I don't know who you are yet" in (route.refusal or "")
    elif not allowed:
        assert route.refusal == "Sorry, /thing isn't available to you."


@pytest.mark.parametrize(("chat", "where", "allowed"), [
    (STAFF_ROOM, Where.PRIVATE, False), (PRIVATE, Where.PRIVATE, True),
    (PTA, Where.STAFF_GROUP | Where.PRIVATE, False), (STAFF_ROOM, Where.GROUPS, True),
    (PRIVATE, Where.GROUPS, False), (PTA, Where.ANYWHERE, True)])
def test_places_are_enforced(chat: ChatRef, where: Where, allowed: bool) -> None:
    route = router_with(None, where).match(event("thing", chat=chat))
    assert (route.handler is not None) is allowed
    assert (route.refusal is None) is allowed


def test_unknown_commands_and_stale_buttons_are_refused_politely() -> None:
    router = router_with(None, Where.ANYWHERE)
    assert router.match(event("nope")).refusal == (
        "I don't know /nope. Send /help to see what I can do.")
    assert router.match(event(action="gone:1")).refusal == (
        "That button no longer does anything. Try /help.")
    assert router.match(event(action="btn:1")).handler is nothing


def test_plain_text_only_in_private_or_when_mentioned() -> None:
    router = router_with(None, Where.ANYWHERE)
    assert router.match(event(text="hi all")).handler is None
    assert router.match(event(text="@PolicyBot hi", mentions=True)).handler is nothing
    assert router.match(event(text="hi", chat=PRIVATE)).handler is nothing


def test_registering_a_command_twice_is_a_bug() -> None:
    router = router_with(None, Where.ANYWHERE)
    with pytest.raises(ValueError, match="registered twice"):
        router.command("thing", summary="again")(nothing)


def test_help_lists_only_what_this_person_may_use_here() -> None:
    router = build_router()
    staff_here = {c.name for c in router.available(event(role=Role.STAFF))}
    stranger_here = {c.name for c in router.available(event(role=None))}
    assert {"help", "whoami"} <= stranger_here <= staff_here
    assert "start" not in staff_here  # /start belongs to private chats
    assert "gaps" not in staff_here
    head_private = {c.name for c in router.available(event(role=Role.HEADTEACHER, chat=PRIVATE))}
    assert "gaps" in head_private


def test_an_unconfigured_group_gets_least_privilege_even_for_known_staff() -> None:
    unknown_group = ChatRef(ChatKind.GROUP, "-777")
    router = router_with([Role.STAFF], Where.ANYWHERE)
    route = router.match(event("thing", role=Role.STAFF, chat=unknown_group))
    assert route.handler is None
    assert "This chat isn't set up for me yet" in (route.refusal or "")
    assert router.available(event(role=Role.STAFF, chat=unknown_group)) == []
