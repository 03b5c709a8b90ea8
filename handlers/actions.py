"""Button actions: the one codec between a button and the handler it reaches.

A button carries its action as a short string (a Telegram ``callback_data``, a Slack
``action_id`` value, a console row) of ``:``-separated parts: the kind first, which
the router dispatches on, then the kind's arguments::

    ack:12            Action("ack", ("12",))
    rp:3f9c0a1b2d:a:pupil
    open:friendrequest (a link to the private chat, see handlers.replies.open_private)

:func:`encode` builds one and refuses what would not survive the trip (a ``:`` in a
part, more than :data:`MAX_ACTION` bytes); :meth:`Action.parse` reads one back, once,
in the router. Numbers in actions are read with :func:`handlers.parsing.parse_number`,
so "²" or a 30-digit number is never taken for one.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.parsing import parse_number

__all__ = ["MAX_ACTION", "SEPARATOR", "Action", "encode"]

MAX_ACTION = 64  # Telegram's callback_data limit, the tightest of our platforms
SEPARATOR = ":"


def encode(kind: str, *args: str | int) -> str:
    """The wire form of an action: ``kind:arg:arg``."""
    parts = [kind, *(str(a) for a in args)]
    if not kind or any(SEPARATOR in p for p in parts):
        raise ValueError(f"an action part is empty or contains {SEPARATOR!r}: {parts!r}")
    raw = SEPARATOR.join(parts)
    if len(raw.encode()) > MAX_ACTION:
        raise ValueError(f"button action too long: {raw!r}")
    return raw


@dataclass(frozen=True, slots=True)
class Action:
    """A pressed button's action, parsed: its ``kind`` and positional ``args``."""

    kind: str
    args: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: str) -> Action:
        kind, *args = raw.split(SEPARATOR)
        return cls(kind, tuple(args))

    def arg(self, index: int, default: str = "") -> str:
        """The argument at ``index`` (negative counts from the end), or ``default``."""
        try:
            return self.args[index]
        except IndexError:
            return default

    def number(self, index: int) -> int | None:
        """The argument at ``index`` as a plain number, or None if it isn't one."""
        return parse_number(self.arg(index))

    def __str__(self) -> str:
        return SEPARATOR.join((self.kind, *self.args))
