"""A school's rule clauses ranked on a question's translated terms (BM25).

For a school with no FAQ, the question's own terms and their translations
(:class:`policies.translation.Translation`, learnt from other schools' FAQs) are
scored against each rule clause with BM25. The ranking is a second opinion next to
the index's own (:mod:`policies.retrieval`): :mod:`policies.engine` fuses the two
ranks to choose which clause answers, never to decide whether to answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from policies.translation import Translation

__all__ = ["ClauseRanker"]

K1 = 1.2
B = 0.75


class ClauseRanker:
    """BM25 over a school's rule clauses, for translated (weighted) queries."""

    def __init__(self, clauses: Sequence[Sequence[str]], translation: Translation) -> None:
        self._translation = translation
        count = len(clauses)
        average = sum(len(tokens) for tokens in clauses) / max(count, 1) or 1.0
        frequency: Counter[str] = Counter(term for tokens in clauses for term in set(tokens))
        # term -> [(clause position, BM25 contribution of one query use)]
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for position, tokens in enumerate(clauses):
            norm = K1 * (1 - B + B * len(tokens) / average)
            for term, uses in Counter(tokens).items():
                idf = math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
                contribution = idf * uses * (K1 + 1) / (uses + norm)
                self._postings.setdefault(term, []).append((position, contribution))

    def rank(self, query: Sequence[str]) -> dict[int, float]:
        """Clause position -> score, for the clauses sharing any translated query term."""
        return _scores(self._postings, self._translation.expand(query))


def _scores(
    postings: Mapping[str, list[tuple[int, float]]], weights: Mapping[str, float]
) -> dict[int, float]:
    scores: dict[int, float] = {}
    for term, weight in weights.items():
        for position, contribution in postings.get(term, ()):
            scores[position] = scores.get(position, 0.0) + weight * contribution
    return scores
