"""A platform for tests: records what it was asked to send, and can be told to fail."""

from __future__ import annotations

from handlers.replies import Message
from storage.models import Chat, Person


class RecordingMessenger:
    """A platform that records what it was asked to send; can be told to fail."""

    platform = "test"

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.failures = failures or []

    async def to_person(self, person: Person, message: Message) -> bool:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((person.handle, message))
        return True

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        self.sent.append((chat.name, message))
        return True
