"""Routing an event to its handler, with permissions, and the one error handler.

Matching (:meth:`Router.match`) is pure and testable without I/O; dispatching
(:meth:`Router.dispatch`) runs the handler and turns any failure into one polite
message and one log line (never the message's content).

A handler is ``async def handler(services, event) -> list[Reply]``. Each feature
module exposes ``register(router)``; :func:`handlers.build_router` calls them all.
Button presses and submitted forms reach the handler registered for their action's
kind (:class:`handlers.actions.Action`, parsed once by the adapter's pipeline); a
person opening their home view reaches the :meth:`Router.home` handler. Files sent in
private reach the :meth:`Router.attachments` handler of the person's flow in
progress, if it takes them; anywhere else the person is told the bot reads only text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Flag, StrEnum, auto

from handlers.context import Services
from handlers.errors import NotAllowed, UserError
from handlers.events import Event, EventKind
from handlers.replies import Button, Reply, notice, only_you, open_private, say, whisper
from policies.answer import Audience
from storage import conversations
from storage.roles import Role

log = logging.getLogger(__name__)

Handler = Callable[[Services, Event], Awaitable[list[Reply]]]
Offered = Callable[[Services, Event], bool]  # whether /help offers a command to this person
SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again."
STALE_BUTTON = "That button no longer does anything. Try /help."
TEXT_ONLY = ("I can only read text here, so I can't see photos, screenshots, files or voice "
             "messages. If it's evidence for a report, send it while the report is open "
             "(/report), before you press Send. Nothing else has changed: carry on where you "
             "were.")
TEXT_ONLY_GROUP = ("I can only read text for now, so I can't see photos, files or voice "
                   "messages. Please type your message instead.")
CAPTION_ONLY = ("I can only read text here: I've read your caption, but I can't see the "
                "photo, file or recording it came with. If it's evidence for a report, send "
                "it while the report is open (/report), before you press Send.")
#: Sent to a group when a private reply to someone there can't be delivered (they never
#: started a chat with the bot), with a button that opens one.
START_FIRST = ("{name}, I can't message you privately until you start a chat with me: press "
               "the button, then Start, and try again.")


class Where(Flag):
    """Where a command may be used."""

    STAFF_GROUP = auto()
    PARENT_GROUP = auto()
    PRIVATE = auto()
    GROUPS = STAFF_GROUP | PARENT_GROUP
    ANYWHERE = STAFF_GROUP | PARENT_GROUP | PRIVATE


class Group(StrEnum):
    """How /help groups commands, in this order."""

    EVERYDAY = "Everyday"
    LIST = "Reports sent to you"
    POLICY = "The policy: reviews and acknowledgements"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    summary: str
    roles: frozenset[Role] | None  # None: anyone, even someone not in the config
    where: Where
    group: Group = Group.EVERYDAY
    offered: Offered | None = None  # None: offered wherever it is allowed; never: hidden

    def allows_role(self, role: Role | None) -> bool:
        return self.roles is None or (role is not None and role in self.roles)

    def allows_place(self, event: Event) -> bool:
        return bool(self.where & place_of(event))


def place_of(event: Event) -> Where:
    if event.chat.is_private:
        return Where.PRIVATE
    return Where.PARENT_GROUP if event.chat.audience is Audience.PARENT else Where.STAFF_GROUP


@dataclass(frozen=True, slots=True)
class Route:
    """What :meth:`Router.match` decided: a handler, or a refusal to say."""

    handler: Handler | None = None
    refusal: str | None = None
    private_command: str | None = None  # the refusal points to the private chat, to this


@dataclass(frozen=True, slots=True)
class Dispatched:
    """What became of one event: the replies, and whether its handler failed (its
    changes must then be rolled back; ``replies`` is the apology)."""

    replies: list[Reply]
    failed: bool = False


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._actions: dict[str, Handler] = {}
        self._conversations: dict[str, Handler] = {}
        self._attachments: dict[str, Handler] = {}
        self._text: Handler | None = None
        self._home: Handler | None = None

    # -- registration -----------------------------------------------------------
    def command(self, name: str, *, summary: str, roles: Iterable[Role] | None = None,
                where: Where = Where.ANYWHERE, group: Group = Group.EVERYDAY,
                offered: Offered | None = None) -> Callable[[Handler], Handler]:
        """``offered``: whether /help lists it for this person here (e.g. /ack only to
        people asked to acknowledge); it stays usable either way."""
        def register(handler: Handler) -> Handler:
            if name in self._commands:
                raise ValueError(f"command /{name} registered twice")
            allowed = None if roles is None else frozenset(roles)
            self._commands[name] = Command(name, handler, summary, allowed, where, group,
                                           offered)
            return handler
        return register

    def action(self, kind: str) -> Callable[[Handler], Handler]:
        """Button presses (and submitted forms) whose action is of this ``kind``."""
        def register(handler: Handler) -> Handler:
            if kind in self._actions:
                raise ValueError(f"action {kind!r} registered twice")
            self._actions[kind] = handler
            return handler
        return register

    def home(self, handler: Handler) -> Handler:
        """A person opened their home view (Slack's App Home): it returns the view."""
        self._home = handler
        return handler

    def conversation(self, kind: str) -> Callable[[Handler], Handler]:
        """Plain private messages from someone with a flow of this kind in progress."""
        def register(handler: Handler) -> Handler:
            self._conversations[kind] = handler
            return handler
        return register

    def attachments(self, kind: str) -> Callable[[Handler], Handler]:
        """Files (with or without a caption) sent in private by someone with a flow of this
        kind in progress (e.g. evidence for a report draft)."""
        def register(handler: Handler) -> Handler:
            self._attachments[kind] = handler
            return handler
        return register

    def text(self, handler: Handler) -> Handler:
        """Plain messages: every private one, and group ones that mention the bot."""
        self._text = handler
        return handler

    # -- matching (pure) --------------------------------------------------------
    @property
    def commands(self) -> tuple[Command, ...]:
        return tuple(self._commands.values())

    def available(self, event: Event) -> list[Command]:
        """The commands this person may use in this chat."""
        return [c for c in self._commands.values()
                if c.allows_role(event.sender.role) and c.allows_place(event)
                and (c.roles is None or not _unconfigured_group(event))]

    def offered(self, services: Services, event: Event) -> list[Command]:
        """What /help lists: the commands available here that make sense for this person."""
        return [c for c in self.available(event)
                if c.offered is None or c.offered(services, event)]

    def match(self, event: Event) -> Route:
        if event.opened_home:
            return Route(self._home)
        if event.action is not None:
            handler = self._actions.get(event.action.kind)
            if handler is None:
                return Route(refusal=STALE_BUTTON)
            return Route(handler)
        if event.command is not None:
            return self._match_command(event, event.command)
        if event.chat.is_private or event.mentions_bot:
            return Route(self._text)
        return Route()

    def _match_command(self, event: Event, name: str) -> Route:
        command = self._commands.get(name)
        if command is None:
            return Route(refusal=f"I don't know /{name}. Send /help to see what I can do.")
        if command.roles is not None and _unconfigured_group(event):
            return Route(refusal=(
                f"This chat isn't set up for me yet, so /{name} isn't available here. Ask your "
                "school's PolicyBot admin to add it (send /whoami for its id)."))
        if not command.allows_role(event.sender.role):
            if not event.sender.known:
                return Route(refusal=(
                    f"I don't know who you are yet, so I can't do /{name} for you. Ask your "
                    "school's PolicyBot admin to add you (send /whoami for your id)."))
            return Route(refusal=f"Sorry, /{name} isn't available to you.")
        if not command.allows_place(event):
            return Route(refusal=_where_text(command), private_command=(
                command.name if command.where == Where.PRIVATE else None))
        return Route(command.handler)

    def conversation_handler(self, kind: str) -> Handler | None:
        return self._conversations.get(kind)

    # -- dispatching (I/O) ------------------------------------------------------
    async def dispatch(self, services: Services, event: Event) -> list[Reply]:
        """Handle one event; never raises for anything a user could cause."""
        return (await self.handle(services, event)).replies

    async def handle(self, services: Services, event: Event) -> Dispatched:
        """Handle one event, saying whether its handler failed (see :class:`Dispatched`)."""
        try:
            taker = await self._attachment_taker(services, event)
            if taker is not None:
                return Dispatched(await taker(services, event))
            loose_files = event.attachments and event.kind is EventKind.MESSAGE
            if loose_files and not event.text:  # nothing to read: say so, change nothing
                return Dispatched([say(TEXT_ONLY if event.chat.is_private else TEXT_ONLY_GROUP)])
            route = self.match(event)
            handler = route.handler
            if route.refusal is not None:
                buttons = (() if route.private_command is None else
                           (open_private("Open private chat", route.private_command),))
                return Dispatched([refusal(event, route.refusal, *buttons)])
            if event.kind is EventKind.MESSAGE and event.chat.is_private:
                handler = await self._conversation_for(services, event) or handler
            if handler is None:
                return Dispatched([])
            replies = await handler(services, event)
            if loose_files and event.chat.is_private:
                replies = [whisper(CAPTION_ONLY), *replies]
            return Dispatched(replies)
        except NotAllowed as exc:
            return Dispatched([refusal(event, exc.message)])
        except UserError as exc:
            return Dispatched([_user_error(event, exc.message)])
        except Exception:
            log.exception("handler failed: platform=%s kind=%s command=%s action=%s update=%s",
                          event.platform, event.kind, event.command, _action_kind(event),
                          event.update_key)
            return Dispatched([say(SORRY) if event.chat.is_private else only_you(SORRY)],
                              failed=True)

    async def _conversation_for(self, services: Services, event: Event,
                                table: dict[str, Handler] | None = None) -> Handler | None:
        if event.sender.person_id is None:
            return None
        async with services.db.session() as session:
            flow = await conversations.current(session=session,
                                               person_id=event.sender.person_id)
        found = self._conversations if table is None else table
        return None if flow is None else found.get(flow.kind)

    async def _attachment_taker(self, services: Services, event: Event) -> Handler | None:
        """The handler that takes this private message's files, if the flow in progress
        takes them (a caption that is a command is still a command)."""
        if not event.attachments or not event.chat.is_private or event.command is not None:
            return None
        if event.kind is not EventKind.MESSAGE or not self._attachments:
            return None
        return await self._conversation_for(services, event, self._attachments)


def _unconfigured_group(event: Event) -> bool:
    """A group that is not in the school config: least privilege, whoever speaks."""
    return not event.chat.is_private and event.chat.chat_id is None


def _action_kind(event: Event) -> str | None:
    return None if event.action is None else event.action.kind


def refusal(event: Event, text: str, *buttons: Button) -> Reply:
    """A "no" to the person who asked: a pop-up for a button, and in a group only for
    them where the platform can."""
    if event.kind is EventKind.ACTION:
        return notice(text)
    return say(text, *buttons) if event.chat.is_private else only_you(text, *buttons)


def _user_error(event: Event, text: str) -> Reply:
    if event.chat.is_private:
        return whisper(text)
    return only_you(text)


def _where_text(command: Command) -> str:
    if command.where == Where.PRIVATE:
        return f"/{command.name} works in a private chat with me."
    if command.where == Where.STAFF_GROUP | Where.PRIVATE:
        return f"/{command.name} works in the staff chat or privately with me."
    if command.where & Where.GROUPS and not command.where & Where.PRIVATE:
        return f"/{command.name} works in a group chat."
    return f"/{command.name} isn't available in this chat."
