"""Neutral replies: what handlers hand back for an adapter to turn into platform calls.

A :class:`Reply` goes back to the person who acted, with a :class:`Visibility`:

===============  ==========================  ===================  =====================
visibility       meaning                     Telegram             Slack / console
===============  ==========================  ===================  =====================
``CHAT``         in the chat, for everyone   a message there      a message there
``EPHEMERAL``    in the chat, only for them  a message there      ephemeral / the chat
``PRIVATE``      in a private chat           a private message    a DM / ``dm:HANDLE``
``NOTICE``       acknowledges a button       a pop-up alert       ephemeral / the chat
===============  ==========================  ===================  =====================

A reply may also carry a :class:`Form` (a platform with forms, Slack, opens it as a
modal instead of showing the message; the others show the message, the first step of
the same form typed step by step) or the ``errors`` of a submitted form (shown in
the form). A :class:`Message` may be a :class:`Home` view (a per-person summary a
platform shows in its own place: Slack's App Home); platforms without one skip it.

Messages to anyone else must arrive, so they go through the outbox
(:mod:`handlers.outbox`) instead.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from handlers.actions import MAX_ACTION, encode

MAX_BUTTON_ACTION = MAX_ACTION


class Visibility(StrEnum):
    CHAT = "chat"
    EPHEMERAL = "ephemeral"
    PRIVATE = "private"
    NOTICE = "notice"


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
class HomeSection:
    title: str
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Home:
    """A person's summary, shown where the platform keeps one (Slack's App Home tab)."""

    sections: tuple[HomeSection, ...]

    def to_data(self) -> list[dict[str, Any]]:
        return [{"title": s.title, "text": s.text,
                 "buttons": [[b.label, b.action] for b in s.buttons]} for s in self.sections]

    @classmethod
    def from_data(cls, data: list[dict[str, Any]]) -> Home:
        return cls(tuple(HomeSection(s["title"], s["text"],
                                     tuple(Button(label, action) for label, action in s["buttons"]))
                         for s in data))


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    buttons: tuple[Button, ...] = ()
    document: Document | None = None
    home: Home | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text,
                                "buttons": [[b.label, b.action] for b in self.buttons]}
        if self.document is not None:
            data["document"] = {"filename": self.document.filename,
                                "mime_type": self.document.mime_type,
                                "content": b64encode(self.document.content).decode()}
        if self.home is not None:
            data["home"] = self.home.to_data()
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Message:
        doc = data.get("document")
        document = None if doc is None else Document(
            doc["filename"], b64decode(doc["content"]), doc["mime_type"])
        home = Home.from_data(data["home"]) if data.get("home") is not None else None
        return cls(text=data["text"], buttons=tuple(Button(label, action)
                                                    for label, action in data["buttons"]),
                   document=document, home=home)

    def to_json(self) -> str:
        return json.dumps(self.to_data())

    @classmethod
    def from_json(cls, raw: str) -> Message:
        return cls.from_data(json.loads(raw))


class FieldKind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"
    DATE = "date"
    FILES = "files"  # files uploaded with the form: they arrive as the event's attachments


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind
    options: tuple[tuple[str, str], ...] = ()  # (value, label), for CHOICE
    optional: bool = False
    hint: str = ""
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A form filled in at once (a Slack modal). ``action`` routes its submission back
    to the handler of that action's kind, as a form-submitted event."""

    action: str
    title: str
    fields: tuple[FormField, ...]
    intro: str = ""
    submit: str = "Send"


@dataclass(frozen=True, slots=True)
class Reply:
    message: Message
    visibility: Visibility = Visibility.CHAT
    form: Form | None = None
    errors: Mapping[str, str] | None = field(default=None)  # a submitted form's problems
    instead: tuple[Reply, ...] = ()  # with a form: what platforms without forms show

    @property
    def private(self) -> bool:
        return self.visibility is Visibility.PRIVATE

    @property
    def immediate(self) -> bool:
        """Shown by the adapter while it still holds the request (a form to open, a
        form's errors, a button's notice), never queued: the platform's handle for
        them (a trigger id, a callback id) expires within seconds."""
        return (self.form is not None or self.errors is not None
                or self.visibility is Visibility.NOTICE)


def say(text: str, *buttons: Button) -> Reply:
    """Answer in the chat the event came from."""
    return Reply(Message(text, tuple(buttons)))


def whisper(text: str, *buttons: Button, document: Document | None = None) -> Reply:
    """Answer privately to the person who acted, wherever they acted."""
    return Reply(Message(text, tuple(buttons), document), Visibility.PRIVATE)


def only_you(text: str, *buttons: Button) -> Reply:
    """Answer in the chat, seen only by the person who acted where the platform can
    (a Slack ephemeral message); elsewhere, in the chat."""
    return Reply(Message(text, tuple(buttons)), Visibility.EPHEMERAL)


def notice(text: str) -> Reply:
    """A short word about a button press (a Telegram pop-up)."""
    return Reply(Message(text), Visibility.NOTICE)


def open_form(form: Form, *instead: Reply) -> Reply:
    """Open ``form`` where the platform has forms (and nothing else is shown); elsewhere
    show ``instead`` (a pointer to the private chat, the form's first step typed)."""
    return Reply(Message(form.title), Visibility.PRIVATE, form=form, instead=instead)


def form_errors(errors: Mapping[str, str]) -> Reply:
    """What is wrong with a submitted form, by field name, to show in the form."""
    return Reply(Message("\n".join(errors.values())), Visibility.PRIVATE, errors=dict(errors))


#: Actions starting ``open:`` ask the adapter for a link that opens a private chat
#: with the bot and starts ``/<payload>`` there (Telegram: a t.me deep link).
OPEN_PRIVATE = "open"


def open_private(label: str, command: str) -> Button:
    """A button that takes the person to a private chat with the bot, running ``/command``."""
    return Button(label, encode(OPEN_PRIVATE, command))
