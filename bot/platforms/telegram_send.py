"""Neutral messages → Bot API calls.

- Text is sent as plain text (no parse mode), so policy text with ``*``, ``_``,
  ``<`` or ``>`` arrives exactly as written and can never break formatting.
- Text over Telegram's 4,096-character limit is split at paragraph, line or word
  boundaries; buttons go on the last piece.
- A button whose action is ``open:<command>`` becomes a ``t.me/<bot>?start=<command>``
  deep link; every other button is an inline-keyboard callback.
- A document is sent with ``sendDocument`` (the text as its caption when it fits).
- A 429 (``RetryAfter``) is waited out once when the wait is short enough, else raised.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.error import RetryAfter

from handlers.replies import OPEN_PRIVATE, Button, Message

__all__ = ["MAX_TEXT", "Sender", "Sleep", "Target", "deep_link", "keyboard",
           "retry_after_seconds", "split_text", "utf16_len"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_CAPTION = 1024
MAX_SHORT_LABEL = 20  # labels this short sit two to a row
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: a chat (a user id for a private chat) and, in a forum
    group, the topic it came from."""

    chat_id: int | str
    thread_id: int | None = None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 units, cut at the last paragraph break, line
    break or space that keeps a piece at least half full (else mid-word)."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [text[:limit]]


def _cut_point(text: str, limit: int) -> int:
    fit = max(_chars_that_fit(text, limit), 1)
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, fit)
        if at >= fit // 2:
            return at + len(separator)
    return fit


def _chars_that_fit(text: str, limit: int) -> int:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def deep_link(username: str, command: str) -> str:
    """``https://t.me/<bot>?start=<command>``: opens a private chat that starts with
    ``/start <command>`` (no payload if the command can't be one)."""
    link = f"https://t.me/{username}"
    return f"{link}?start={command}" if _START_PAYLOAD.match(command) else link


def keyboard(buttons: Sequence[Button], username: str) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    per_row = 2 if all(len(b.label) <= MAX_SHORT_LABEL for b in buttons) else 1
    made = [_inline_button(b, username) for b in buttons]
    return InlineKeyboardMarkup([made[i:i + per_row] for i in range(0, len(made), per_row)])


def _inline_button(button: Button, username: str) -> InlineKeyboardButton:
    kind, _, command = button.action.partition(":")
    if kind == OPEN_PRIVATE:
        return InlineKeyboardButton(button.label, url=deep_link(username, command))
    return InlineKeyboardButton(button.label, callback_data=button.action)


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, whichever type this PTB version reports it as."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Sender:
    """Sends neutral messages through one bot. A 429 asking for at most ``wait_up_to``
    seconds is waited out (with ``sleep``) and the call made once more; a longer one
    is raised for the caller to reschedule."""

    def __init__(self, bot: Bot, *, wait_up_to: float = 0.0,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.bot = bot
        self.wait_up_to = wait_up_to
        self._sleep = sleep

    async def send(self, target: Target, message: Message) -> None:
        markup = keyboard(message.buttons, self.bot.username)
        if message.document is not None:
            await self._send_document(target, message, markup)
            return
        if not message.text.strip():
            log.warning("not sending a message with no text (Telegram refuses them)")
            return
        pieces = split_text(message.text)
        for number, piece in enumerate(pieces, start=1):
            await self._text(target, piece, markup if number == len(pieces) else None)

    async def _send_document(self, target: Target, message: Message,
                             markup: InlineKeyboardMarkup | None) -> None:
        assert message.document is not None
        caption: str | None = message.text
        if message.text and utf16_len(message.text) > MAX_CAPTION:
            for piece in split_text(message.text):
                await self._text(target, piece, None)
            caption = None
        document = InputFile(message.document.content, filename=message.document.filename)
        await self._call(lambda: self.bot.send_document(
            chat_id=target.chat_id, document=document, caption=caption or None,
            reply_markup=markup, message_thread_id=target.thread_id))

    async def _text(self, target: Target, text: str,
                    markup: InlineKeyboardMarkup | None) -> None:
        await self._call(lambda: self.bot.send_message(
            chat_id=target.chat_id, text=text, reply_markup=markup,
            message_thread_id=target.thread_id, link_preview_options=_NO_PREVIEW))

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        try:
            return await make()
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            if wait > self.wait_up_to:
                raise
            await self._sleep(wait)
            return await make()
