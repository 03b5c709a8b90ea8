"""What handlers are given to work with: built once in bot/app.py and passed down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from policies.answer import Answer, Audience
from storage.crypto import Cipher
from storage.db import Database
from storage.directory import DirectoryIndex
from storage.models import utcnow

if TYPE_CHECKING:
    from bot.config import SchoolsConfig


class AnswerSource(Protocol):
    """The answer engine, as handlers see it (policies.engine.AnswerEngine)."""

    def answer(self, *, school: str, question: str, audience: Audience) -> Answer: ...


@dataclass(frozen=True)
class Services:
    db: Database
    config: SchoolsConfig
    cipher: Cipher
    answers: AnswerSource | None = None
    directory: DirectoryIndex = field(default_factory=DirectoryIndex)
    clock: Callable[[], dt.datetime] = field(default=utcnow)
    bot_name: str = "PolicyBot"

    def now(self) -> dt.datetime:
        return self.clock()
