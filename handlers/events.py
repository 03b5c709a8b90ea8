"""The neutral event: what every platform adapter turns an incoming update into.

Handlers see only these types, never a platform SDK object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from policies.answer import Audience
from storage.roles import Role


class ChatKind(StrEnum):
    GROUP = "group"
    PRIVATE = "private"


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
class Event:
    """One thing a person did: a command, a message, or a button press."""

    platform: str
    school: SchoolRef | None
    sender: Sender
    chat: ChatRef
    text: str = ""
    command: str | None = None
    args: str = ""
    action: str | None = None
    mentions_bot: bool = False
    update_key: str | None = None
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def audience(self) -> Audience:
        """The audience answers are written for: the chat's, or in private the sender's."""
        if self.chat.audience is not None:
            return self.chat.audience
        return Audience.PARENT if self.sender.role is Role.PARENT else Audience.STAFF
