"""Scoring the engine on a question set, by the rules of eval/score.py.

A question set is YAML: a list of ``{school, audience, q, expect}`` where
``expect`` is a list of snippets (a correct answer cites, in its first three
sources, a clause containing one of them) or the word ``abstain``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from policies.answer import MAX_SOURCES, Audience
from policies.engine import AnswerEngine

__all__ = ["Score", "load_questions", "normalise", "score"]

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})


def normalise(text: str) -> str:
    """The scorer's normalisation: quotes, markdown emphasis, case and white space."""
    text = text.translate(_QUOTES).replace('"', "'").replace("*", "").lower()
    return re.sub(r"\s+", " ", text).strip()


def load_questions(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [item for path in paths for item in yaml.safe_load(path.read_text()) or []]


@dataclass(frozen=True)
class Score:
    answered: int
    in_scope: int
    abstained: int
    out_of_scope: int

    @property
    def accuracy(self) -> float:
        return self.answered / max(self.in_scope, 1)

    @property
    def abstention(self) -> float:
        return self.abstained / max(self.out_of_scope, 1)

    def __str__(self) -> str:
        return (f"answered correctly {self.answered}/{self.in_scope} ({self.accuracy:.1%}), "
                f"abstained when it should {self.abstained}/{self.out_of_scope} "
                f"({self.abstention:.1%})")


def score(engine: AnswerEngine, questions: Iterable[dict[str, Any]]) -> Score:
    answered = in_scope = abstained = out_of_scope = 0
    for item in questions:
        answer = engine.answer(school=item["school"], question=item["q"],
                               audience=Audience(item.get("audience", "staff")))
        cited = " | ".join(normalise(s.text) for s in answer.sources[:MAX_SOURCES])
        if item["expect"] == "abstain":
            out_of_scope += 1
            abstained += answer.abstained
        else:
            in_scope += 1
            answered += (not answer.abstained
                         and any(normalise(s) in cited for s in item["expect"]))
    return Score(answered, in_scope, abstained, out_of_scope)
