"""Neutral replies: what handlers hand back for an adapter to turn into platform calls.

A :class:`Reply` goes back to the person who acted, either in the chat they acted
in or privately. Messages to anyone else must arrive, so they go through the
outbox (:mod:`handlers.outbox`) instead.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from dataclasses import dataclass
from typing import Any

MAX_BUTTON_ACTION = 64  # Telegram's callback_data limit, the tightest of our platforms


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode()) > MAX_BUTTON_ACTION:
            raise ValueError(f"button action too long: {self.action!r}")


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    content: bytes
    mime_type: str = "text/csv"


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    buttons: tuple[Button, ...] = ()
    document: Document | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = {"text": self.text,
                                "buttons": [[b.label, b.action] for b in self.buttons]}
        if self.document is not None:
            data["document"] = {"filename": self.document.filename,
                                "mime_type": self.document.mime_type,
                                "content": b64encode(self.document.content).decode()}
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> Message:
        data = json.loads(raw)
        doc = data.get("document")
        document = None if doc is None else Document(
            doc["filename"], b64decode(doc["content"]), doc["mime_type"])
        return cls(text=data["text"], buttons=tuple(Button(label, action)
                                                    for label, action in data["buttons"]),
                   document=document)


@dataclass(frozen=True, slots=True)
class Reply:
    message: Message
    private: bool = False


def say(text: str, *buttons: Button) -> Reply:
    """Answer in the chat the event came from."""
    return Reply(Message(text, tuple(buttons)))


def whisper(text: str, *buttons: Button, document: Document | None = None) -> Reply:
    """Answer privately to the person who acted, wherever they acted."""
    return Reply(Message(text, tuple(buttons), document), private=True)


#: Actions starting ``open:`` ask the adapter for a link that opens a private chat
#: with the bot and starts ``/<payload>`` there (Telegram: a t.me deep link).
OPEN_PRIVATE = "open"


def open_private(label: str, command: str) -> Button:
    """A button that takes the person to a private chat with the bot, running ``/command``."""
    return Button(label, f"{OPEN_PRIVATE}:{command}")
