"""The answer engine's public result types (the design's JSON answer contract).

An :class:`Answer` is what ``policybot ask --json`` prints and what ``/policy``
renders in a chat. ``sources`` are the clauses the answer rests on, most relevant
first, at most three, each quoted verbatim from the school's policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MAX_SOURCES = 3


class Audience(StrEnum):
    """Who is asking: the staff room or the parents' (PTA) chat."""

    STAFF = "staff"
    PARENT = "parent"


@dataclass(frozen=True, slots=True)
class Source:
    """One clause of a policy, quoted verbatim."""

    policy: str
    section: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "section": self.section, "text": self.text}


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to one question, or an abstention when the policy is silent."""

    answer: str
    abstained: bool
    confidence: float
    sources: tuple[Source, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 3),
            "sources": [s.to_json() for s in self.sources[:MAX_SOURCES]],
        }
