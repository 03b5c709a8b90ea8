"""The neutral event: what every platform adapter's input becomes.

Handlers see only these types, never a platform SDK object. An adapter hands the
inbound pipeline (:mod:`bot.inbound`) what the platform said; the pipeline looks up
who and where that is and builds the :class:`Event`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from handlers.actions import Action
from policies.answer import Audience
from storage.roles import Role


class ChatKind(StrEnum):
    GROUP = "group"
    PRIVATE = "private"


class EventKind(StrEnum):
    MESSAGE = "message"  # plain text (private, or addressed to the bot in a group)
    COMMAND = "command"  # /name args
    ACTION = "action"  # a button pressed
    FORM = "form"  # a form (a Slack modal) submitted
    HOME = "home"  # the person opened the platform's home view (Slack's App Home)


@dataclass(frozen=True, slots=True)
class SchoolRef:
    id: int
    slug: str
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent the update. ``person_id`` is None for someone not in the school config."""

    platform_user_id: str
    display_name: str
    person_id: int | None = None
    handle: str | None = None
    role: Role | None = None

    @property
    def known(self) -> bool:
        return self.person_id is not None


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where the update came from. ``chat_id`` is None for a private chat or a group
    that is not in the school config."""

    kind: ChatKind
    platform_chat_id: str
    chat_id: int | None = None
    name: str | None = None
    audience: Audience | None = None

    @property
    def is_private(self) -> bool:
        return self.kind is ChatKind.PRIVATE


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message (a photo, a screenshot, a document). ``ref`` is
    the platform's handle for it; ``content`` its bytes, when the adapter fetched them
    (in a private chat, up to the platform's size limit), else None."""

    kind: str  # photo | document | voice | video | sticker | file | other
    ref: str
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """The values of a submitted form, by field name (see handlers.replies.Form)."""

    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a person did: a command, a message, a button press, a form sent."""

    platform: str
    school: SchoolRef | None
    sender: Sender
    chat: ChatRef
    text: str = ""
    command: str | None = None
    args: str = ""
    action: Action | None = None
    form: FormSubmission | None = None
    opened_home: bool = False
    mentions_bot: bool = False
    attachments: tuple[Attachment, ...] = ()
    update_key: str | None = None
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def kind(self) -> EventKind:
        if self.opened_home:
            return EventKind.HOME
        if self.form is not None:
            return EventKind.FORM
        if self.action is not None:
            return EventKind.ACTION
        return EventKind.COMMAND if self.command is not None else EventKind.MESSAGE

    @property
    def audience(self) -> Audience:
        """The audience answers are written for: the chat's; in a group no school has set
        up, parents' (least privilege: anyone may be reading); in private, the sender's."""
        if self.chat.audience is not None:
            return self.chat.audience
        if not self.chat.is_private:
            return Audience.PARENT
        return Audience.PARENT if self.sender.role is Role.PARENT else Audience.STAFF

    @property
    def in_unknown_group(self) -> bool:
        """A group that is not in the school config."""
        return not self.chat.is_private and self.chat.chat_id is None
