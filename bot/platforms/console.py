"""The console platform: a whole school in one terminal (or one pipe).

Lines starting with ``:`` are for the console itself (``:as HANDLE``, ``:in CHAT``,
``:in dm``, ``:quit``); every other line is a message from the current person in
the current chat. Everything the bot sends prints as ``DESTINATION| text``, one
prefix per line, where DESTINATION is a chat name or ``dm:HANDLE``. Buttons print
as ``[1] label``; typing the number or the label presses it.

Each line goes through the same inbound pipeline as a Telegram update
(:mod:`bot.inbound`): everyone is on the console as ``SLUG/HANDLE`` (see
:mod:`storage.directory`), and the replies are delivered, printed, at once.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.delivery import Address, Deliverer
from bot.inbound import Inbound, Pipeline
from handlers.actions import Action
from handlers.events import ChatKind
from handlers.replies import OPEN_PRIVATE, Button, Message, Visibility
from storage.directory import CONSOLE
from storage.models import Chat, Person

PLATFORM = CONSOLE
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
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

    def __init__(self, show: Callable[[str, Message], None],
                 schools: Mapping[int, str] | None = None) -> None:
        """``schools`` (id → slug): name each destination's school, for output that
        covers several (``[croughton] dm:alice``)."""
        self._show = show
        self._schools = schools

    def _where(self, school_id: int, destination: str) -> str:
        if self._schools is None:
            return destination
        return f"[{self._schools.get(school_id, '?')}] {destination}"

    async def to_person(self, person: Person, message: Message) -> bool:
        self._show(self._where(person.school_id, f"dm:{person.handle}"), message)
        return True

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        self._show(self._where(chat.school_id, chat.name), message)
        return True

    async def to_address(self, address: Address, message: Message) -> bool:
        if address.private or address.visibility is Visibility.PRIVATE:
            self._show(f"dm:{_name(address.user)}", message)
        else:
            self._show(_name(address.chat), message)
        return True


def _name(console_id: str) -> str:
    """``croughton/alice`` → ``alice``."""
    return console_id.rpartition("/")[2]


class Console:
    def __init__(self, app: App, state: ConsoleState, out: TextIO, err: TextIO) -> None:
        self.app = app
        self.state = state
        self.out = out
        self.err = err
        self.deliverer = Deliverer(app.services, [ConsoleMessenger(self.show)],
                                   worker_id=f"console-{state.session}")
        self.pipeline = Pipeline(app, self.deliverer)
        self.exports = app.settings.data_dir / "exports"

    # -- the loop ----------------------------------------------------------------
    async def run(self, lines: TextIO, *, prompt: bool = False) -> None:
        """Read ``lines`` until they end or ``:quit``; with ``prompt``, show who is
        speaking where before each line (on stderr, so piped output stays clean).

        Lines are read by a daemon thread, so Ctrl-C stops at once (no Enter needed)."""
        await self.deliverer.deliver_due()
        queue: asyncio.Queue[str] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            while True:
                line = lines.readline()
                loop.call_soon_threadsafe(queue.put_nowait, line)
                if not line:
                    return

        threading.Thread(target=read, name="console-input", daemon=True).start()
        while True:
            if prompt:
                print(self.prompt(), end="", file=self.err, flush=True)
            line = await queue.get()
            if not line:
                return
            if not await self.handle_line(line.rstrip("\r\n")):
                return

    def prompt(self) -> str:
        """``alice@staff-room> `` or ``alice@dm> ``."""
        return f"{self.state.handle}@{self.state.chat}> "

    async def handle_line(self, line: str) -> bool:
        """One line of input; False when the session should end."""
        if line.startswith(":"):
            return await self._console_command(line[1:].strip())
        if not line.strip():
            return True
        line = self._follow_open_private(line)
        handled = await self.pipeline.handle(self._inbound(line))
        await self.pipeline.deliver(handled)
        await self.deliverer.deliver_due()
        return True

    # -- console commands --------------------------------------------------------
    async def _console_command(self, line: str) -> bool:
        verb, _, arg = line.partition(" ")
        arg = arg.strip()
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "as" and arg:
            if not _NAME.fullmatch(arg):
                self.note(f"{arg!r} can't be a handle; nothing changed")
                return True
            self.state.handle = arg
            self.note(f"speaking as {arg}" if self._person(arg) is not None else
                      f"speaking as {arg}, someone {self.state.school}'s config doesn't know")
        elif verb == "in" and arg:
            if arg != DM and not _NAME.fullmatch(arg):
                self.note(f"{arg!r} can't be a chat name; nothing changed")
                return True
            self.state.chat = arg
            self.note(f"speaking in {arg}" if arg == DM or self._chat(arg) is not None else
                      f"speaking in {arg}, a group {self.state.school}'s config doesn't have")
        else:
            self.note("console commands: :as HANDLE, :in CHAT, :in dm, :quit")
        return True

    def note(self, text: str) -> None:
        print(f"({text})", file=self.err, flush=True)

    # -- events ------------------------------------------------------------------
    def _inbound(self, line: str) -> Inbound:
        self.state.turn += 1
        here = self._destination()
        pressed = self._pressed(here, line.strip())
        me = self._console_id(self.state.handle)
        bot = self.app.services.bot_name
        return Inbound(
            platform=PLATFORM, key=f"{self.state.session}:{self.state.turn}", user_id=me,
            display_name=self.state.handle,
            chat_id=me if self.state.chat == DM else self._console_id(self.state.chat),
            chat_kind=ChatKind.PRIVATE if self.state.chat == DM else ChatKind.GROUP,
            text=line, action=pressed.action if pressed else None, bot_username=bot,
            mentions_bot=bool(re.search(rf"@{re.escape(bot)}\b", line, re.IGNORECASE)))

    def _follow_open_private(self, line: str) -> str:
        """An "open private chat" button does what Telegram's deep link does: move to the
        private chat and run its command there."""
        pressed = self._pressed(self._destination(), line.strip())
        if pressed is None or Action.parse(pressed.action).kind != OPEN_PRIVATE:
            return line
        self.state.chat = DM
        self.note("speaking in dm")
        return "/" + Action.parse(pressed.action).arg(0)

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

    def _console_id(self, name: str) -> str:
        return f"{self.state.school}/{name}"

    def _person(self, handle: str) -> Person | None:
        found = self.app.services.directory.members(PLATFORM, self._console_id(handle))
        return found[0] if found else None

    def _chat(self, name: str) -> Chat | None:
        return self.app.services.directory.chat(PLATFORM, self._console_id(name))

    # -- output ------------------------------------------------------------------
    def _destination(self) -> str:
        return f"dm:{self.state.handle}" if self.state.chat == DM else self.state.chat

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
        """Saved for this user only (exports hold private reports)."""
        self.exports.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.exports.chmod(0o700)
        path = self.exports / Path(filename).name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        path.chmod(0o600)
        return path
