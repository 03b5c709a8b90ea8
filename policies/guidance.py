"""School guidance: a Headteacher's own answer, kept for questions the policy doesn't cover.

Guidance is the school's data (stored in the database, per school), not part of the
policy: it is matched here, purely, against a question the engine abstained on, and
always shown attributed to the Headteacher with its date, never as a quote.

A question matches guidance when they share at least two of their content terms
(:func:`policies.vocabulary.terms`, who and where left out) and those shared terms
are at least 60% of both together (Jaccard >= 0.6): "can I book the minibus for
the zoo trip" matches guidance on "how do I book the minibus for a trip to the zoo?".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from policies.vocabulary import GENERIC, terms

__all__ = ["Guidance", "match", "render"]

MIN_SHARED = 2
MIN_SIMILARITY = 0.6
_IGNORED = GENERIC  # who and where, and "can I" (askleave): how it is asked, not what


@dataclass(frozen=True)
class Guidance:
    """One kept answer: the question it answered, the answer, who gave it and when."""

    id: int
    question: str
    answer: str
    author: str
    given: dt.date


def _content(text: str) -> frozenset[str]:
    return frozenset(terms(text)) - _IGNORED


def similarity(question: str, guidance: Guidance) -> float:
    asked, answered = _content(question), _content(guidance.question)
    shared = asked & answered
    if len(shared) < min(MIN_SHARED, len(asked), len(answered)) or not shared:
        return 0.0
    return len(shared) / len(asked | answered)


def match(question: str, items: Iterable[Guidance]) -> Guidance | None:
    """The guidance that answers ``question`` best, if any is close enough."""
    scored = [(similarity(question, item), item) for item in items]
    best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    return best[1] if best[0] >= MIN_SIMILARITY else None


def render(guidance: Guidance, policy_name: str) -> str:
    """The guidance, attributed, and plainly not the policy."""
    return (f"The {policy_name} social media policy doesn't cover this, but the Headteacher "
            f"({guidance.author}) answered it on {guidance.given.day} {guidance.given:%B %Y}:\n"
            f"{guidance.answer}\n(This is school guidance, not part of the policy.)")
