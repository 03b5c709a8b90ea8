"""Chat words to policy words, learnt from curated FAQs: a question's terms, translated.

Every curated FAQ entry pairs the ways people ask (in chat words: "jake's mum added
me") with the clauses that answer them (in policy words: "attempt to friend ... the
Headteacher must be made aware"). Over all the entries of the FAQs shipped with
PolicyBot, a question term *u* translates to a clause term *v* when clauses that
answer questions using *u* use *v* far more often than clauses do in general:

    P(v | u) = questions using u whose answer's clauses use v / questions using u
    lift     = P(v | u) / P(v)                 (P(v): the share of questions' clauses using v)
    weight   = P(v | u) * log(lift)            kept when P(v | u) >= 0.3 and lift >= 3

:meth:`Translation.expand` adds a question's translations to its own terms, so a
new school's clause can be found in its own words. What is learnt is how people
ask, not any school's rule: the answer always quotes the school's own clause.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Pair", "Translation"]

MIN_QUESTIONS = 3  # a question term seen fewer times than this teaches nothing
MIN_PROBABILITY = 0.3
MIN_LIFT = 3.0
MAX_TRANSLATIONS = 5  # per question term, the strongest first
WEIGHT = 0.3  # how much one question term's translations weigh together, next to the term


@dataclass(frozen=True)
class Pair:
    """One curated question's terms and the terms of the clauses that answer it."""

    question: frozenset[str]
    rule: frozenset[str]


class Translation:
    """Question term -> clause terms, with weights (see the module docstring)."""

    def __init__(self, table: Mapping[str, Mapping[str, float]]) -> None:
        self._table = {u: dict(vs) for u, vs in table.items()}

    @classmethod
    def learn(cls, pairs: Iterable[Pair]) -> Translation:
        seen: Counter[str] = Counter()
        used: Counter[str] = Counter()
        together: Counter[tuple[str, str]] = Counter()
        count = 0
        for pair in pairs:
            count += 1
            seen.update(pair.question)
            used.update(pair.rule)
            together.update((u, v) for u in pair.question for v in pair.rule if u != v)
        table: dict[str, dict[str, float]] = {}
        for (u, v), both in together.items():
            if seen[u] < MIN_QUESTIONS:
                continue
            probability = both / seen[u]
            lift = probability / (used[v] / count)
            if probability >= MIN_PROBABILITY and lift >= MIN_LIFT:
                table.setdefault(u, {})[v] = probability * math.log(lift)
        return cls({u: _strongest(vs) for u, vs in table.items()})

    def __len__(self) -> int:
        return len(self._table)

    def translations(self, term: str) -> Mapping[str, float]:
        return self._table.get(term, {})

    def expand(self, query: Iterable[str]) -> dict[str, float]:
        """The query's terms (each counted once per use) and, at a fraction of their
        weight, their translations."""
        weights: dict[str, float] = dict(Counter(query))
        for term in list(weights):
            found = self._table.get(term)
            if not found:
                continue
            total = sum(found.values())
            for other, weight in found.items():
                weights[other] = weights.get(other, 0.0) + WEIGHT * weight / total
        return weights


def _strongest(translations: Mapping[str, float]) -> dict[str, float]:
    ranked = sorted(translations.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:MAX_TRANSLATIONS])
