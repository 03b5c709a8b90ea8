"""The console platform: a whole school in one terminal (or one pipe).

Lines starting with ``:`` are for the console itself (``:as HANDLE``, ``:in CHAT``,
``:in dm``, ``:quit``); every other line is a message from the current person in
the current chat. Everything the bot sends prints as ``DESTINATION| text``, one
prefix per line, where DESTINATION is a chat name or ``dm:HANDLE``. Buttons print
as ``[1] label``; typing the number or the label presses it.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.delivery import Deliverer
from handlers.events import ChatKind, Event
from handlers.identity import Identity, chat_ref, school_ref, sender_of
from handlers.parsing import clean_text, parse_command
from handlers.replies import OPEN_PRIVATE, Button, Message, Reply
from storage import directory
from storage.models import Chat, Person

PLATFORM = "console"
RECENT_BUTTON_SETS = 5  # button rows a typed label can still press, per destination
DM = "dm"


@dataclass
class ConsoleState:
    """Who is speaking where. Console UI state only; everything else is in the database."""

    school: str
    handle: str
    chat: str
    buttons: dict[str, list[tuple[Button, ...]]] = field(default_factory=dict)  # newest first
    session: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    turn: int = 0


class ConsoleMessenger:
    """Outbox deliveries on the console: printed as the recipient would see them."""

    platform = PLATFORM

    def __init__(self, show: Callable[[str, Message], None]) -> None:
        self._show = show

    async def to_person(self, person: Person, message: Message) -> bool:
        self._show(f"dm:{person.handle}", message)
        return True

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        self._show(chat.name, message)
        return True


class Console:
    def __init__(self, app: App, state: ConsoleState, out: TextIO, err: TextIO) -> None:
        self.app = app
        self.state = state
        self.out = out
        self.err = err
        self.deliverer = Deliverer(app.services, [ConsoleMessenger(self.show)],
                                   worker_id="console")
        self.exports = app.settings.data_dir / "exports"

    # -- the loop ----------------------------------------------------------------
    async def run(self, lines: TextIO) -> None:
        await self.deliverer.deliver_due()
        while True:
            line = await asyncio.to_thread(lines.readline)
            if not line:
                return
            if not await self.handle_line(line.rstrip("\r\n")):
                return

    async def handle_line(self, line: str) -> bool:
        """One line of input; False when the session should end."""
        if line.startswith(":"):
            return await self._console_command(line[1:].strip())
        if not line.strip():
            return True
        line = self._follow_open_private(line)
        event = await self._event_for(line)
        replies = await self.app.router.dispatch(self.app.services, event)
        for reply in replies:
            self._show_reply(reply)
        await self.deliverer.deliver_due()
        return True

    # -- console commands --------------------------------------------------------
    async def _console_command(self, line: str) -> bool:
        verb, _, arg = line.partition(" ")
        arg = arg.strip()
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "as" and arg:
            if await self._person(arg) is None:
                self.note(f"no person {arg!r} at {self.state.school}; nothing changed")
            else:
                self.state.handle = arg
                self.note(f"speaking as {arg}")
        elif verb == "in" and arg:
            if arg != DM and await self._chat(arg) is None:
                self.note(f"no chat {arg!r} at {self.state.school}; nothing changed")
            else:
                self.state.chat = arg
                self.note(f"speaking in {arg}")
        else:
            self.note("console commands: :as HANDLE, :in CHAT, :in dm, :quit")
        return True

    def note(self, text: str) -> None:
        print(f"({text})", file=self.err, flush=True)

    # -- events ------------------------------------------------------------------
    async def _event_for(self, line: str) -> Event:
        self.state.turn += 1
        here = self._destination()
        pressed = self._pressed(here, line.strip())
        text = clean_text(line)
        command = None if pressed else parse_command(text, bot_username=self.app.services.bot_name)
        identity = await self._identity()
        return Event(
            platform=PLATFORM, school=identity.school, sender=identity.sender,
            chat=identity.chat, text=text,
            command=command[0] if command else None, args=command[1] if command else "",
            action=pressed.action if pressed else None,
            mentions_bot=bool(re.search(rf"@{re.escape(self.app.services.bot_name)}\b", text,
                                        re.IGNORECASE)),
            update_key=f"console:{self.state.session}:{self.state.turn}",
        )

    def _follow_open_private(self, line: str) -> str:
        """An "open private chat" button does what Telegram's deep link does: move to the
        private chat and run its command there."""
        pressed = self._pressed(self._destination(), line.strip())
        if pressed is None or not pressed.action.startswith(f"{OPEN_PRIVATE}:"):
            return line
        self.state.chat = DM
        self.note("speaking in dm")
        return "/" + pressed.action.split(":", 1)[1]

    def _pressed(self, here: str, typed: str) -> Button | None:
        recent = self.state.buttons.get(here, [])
        for number, button in enumerate(recent[0] if recent else (), start=1):
            if typed == str(number):
                return button
        for buttons in recent:  # a label still on screen, as on Telegram, newest first
            for button in buttons:
                if typed.casefold() == button.label.casefold():
                    return button
        return None

    async def _identity(self) -> Identity:
        async with self.app.services.db.session() as session:
            school = await directory.school_by_slug(session=session, slug=self.state.school)
            if school is None or school.id is None:
                raise LookupError(f"school {self.state.school!r} is not in the database")
            person = await directory.person_by_handle(session=session, school_id=school.id,
                                                      handle=self.state.handle)
            chat = None
            if self.state.chat != DM:
                chat = await directory.chat_by_name(session=session, school_id=school.id,
                                                    name=self.state.chat)
        kind = ChatKind.PRIVATE if self.state.chat == DM else ChatKind.GROUP
        return Identity(
            school=school_ref(school),
            sender=sender_of(person, platform_user_id=self.state.handle,
                             display_name=self.state.handle),
            chat=chat_ref(chat, kind=kind, platform_chat_id=self._destination()),
        )

    async def _person(self, handle: str) -> Person | None:
        saved = self.state.handle
        self.state.handle = handle
        try:
            identity = await self._identity()
        finally:
            self.state.handle = saved
        if identity.sender.person_id is None:
            return None
        async with self.app.services.db.session() as session:
            return await directory.person_by_id(session=session,
                                                person_id=identity.sender.person_id)

    async def _chat(self, name: str) -> Chat | None:
        async with self.app.services.db.session() as session:
            school = await directory.school_by_slug(session=session, slug=self.state.school)
            if school is None or school.id is None:
                return None
            return await directory.chat_by_name(session=session, school_id=school.id, name=name)

    # -- output ------------------------------------------------------------------
    def _destination(self) -> str:
        return f"dm:{self.state.handle}" if self.state.chat == DM else self.state.chat

    def _show_reply(self, reply: Reply) -> None:
        where = f"dm:{self.state.handle}" if reply.private else self._destination()
        self.show(where, reply.message)

    def show(self, destination: str, message: Message) -> None:
        lines = message.text.splitlines() or [""]
        if message.buttons:
            lines.append("   ".join(f"[{n}] {b.label}"
                                    for n, b in enumerate(message.buttons, start=1)))
            shown = self.state.buttons.setdefault(destination, [])
            shown.insert(0, message.buttons)
            del shown[RECENT_BUTTON_SETS:]
        if message.document is not None:
            lines.append(f"[file] {message.document.filename} saved to "
                         f"{self._save(message.document.filename, message.document.content)}")
        for line in lines:
            print(f"{destination}| {line}", file=self.out)
        self.out.flush()

    def _save(self, filename: str, content: bytes) -> Path:
        self.exports.mkdir(parents=True, exist_ok=True)
        path = self.exports / Path(filename).name
        path.write_bytes(content)
        return path
