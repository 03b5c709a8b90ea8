"""Recognising commands in message text, the same way on every platform."""

from __future__ import annotations

import re

MAX_TEXT = 10_000
MAX_DIGITS = 9  #: longer "numbers" are never references, ids or versions
_COMMAND = re.compile(
    r"^/(?P<name>[A-Za-z][A-Za-z0-9_]{0,31})(?:@(?P<bot>\w+))?(?:\s+|$)(?P<args>.*)", re.DOTALL)


def parse_command(text: str, *, bot_username: str | None = None) -> tuple[str, str] | None:
    """``"/help@MyBot foo"`` → ``("help", "foo")``; None if it isn't a command for us
    (not a command, or addressed to another bot)."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    addressed = match.group("bot")
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None
    return match.group("name").lower(), match.group("args").strip()


def clean_text(text: str) -> str:
    """Trim, drop control characters and cap the length so nothing downstream is swamped."""
    text = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return text.strip()[:MAX_TEXT]


def parse_number(token: str, *, max_digits: int = MAX_DIGITS) -> int | None:
    """``"482913"`` → 482913; None for anything but a few ASCII digits ("²", "١٢", "-1",
    a number too long to be a reference or an id). The one number parser: commands,
    button actions and typed answers all use it."""
    if token.isascii() and token.isdigit() and len(token) <= max_digits:
        return int(token)
    return None
