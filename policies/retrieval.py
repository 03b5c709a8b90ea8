"""One search index per school: FAQ questions and raw clauses, ranked with BM25.

Every FAQ question, every FAQ answer and every rule clause is a document of
one BM25 index (bm25s). A hit is scored on three signals, each in [0, 1]:

- ``rank``: the BM25 score over the IDF mass of the question's terms, so an
  unknown word in the question lowers it;
- ``coverage``: how much of the question's IDF mass the matched target (the
  entry's questions, answer and clauses, or the clause and its heading)
  explains; out-of-domain words (dinners, uniform...) weigh double;
- ``closeness``: the best weighted Dice overlap with one of the target's
  questions (a near-paraphrase of a curated question is strong evidence).

:mod:`policies.engine` turns these into an answer or an abstention.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from policies.answer import Audience
from policies.documents import Clause, PolicyDocument
from policies.faq import FaqEntry
from policies.knowledge import Borrowed
from policies.transfer import ClauseRanker
from policies.translation import Translation
from policies.vocabulary import (
    ADMIN_INTENTS,
    CONCEPTS,
    DOMAIN,
    GENERIC,
    OUT_OF_DOMAIN,
    PLATFORMS,
    Speller,
    intents,
    terms,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Hit", "SchoolIndex", "Target"]

CANDIDATES = 20  # question-level BM25 documents looked at per question
PROFILE_CANDIDATES = 8  # whole-entry / clause BM25 documents looked at per question
OOV_WEIGHT = 0.3  # an unknown word weighs this much relative to the median known term
OUT_OF_DOMAIN_OOV_WEIGHT = 0.4  # ... an unknown concept ("phone"), or out-of-domain word ("dog")
OUT_OF_DOMAIN_FACTOR = 2.0
PARTIES = frozenset({"pupil", "parent"})  # who a rule is about: friending a pupil is not a parent
PLATFORM_FACTOR = 0.75  # how far a rule about "social media" explains a named platform
SECONDARY_INTENT = 0.3  # how much a question's other intents count next to its main one
PLAIN_FACTOR = 0.5  # a policy word the vocabulary does not know as a concept ("week", "back")


@dataclass(frozen=True, eq=False)
class Target:
    """What a hit points at: an FAQ entry or a rule clause of one policy document."""

    document: PolicyDocument
    entry: FaqEntry | None
    clause: Clause | None
    audiences: frozenset[Audience]
    vocabulary: Mapping[str, float]  # term -> how firmly the target explains it (0.5 or 1)
    questions: tuple[frozenset[str], ...]
    question_weights: tuple[float, ...] = ()  # each question's total term weight, set by the index
    intents: Mapping[str, float] = dataclasses.field(default_factory=dict)  # intent -> how
    # much of the target is about it: the share of an entry's questions, 1.0 for a clause's
    rule_terms: frozenset[str] = frozenset()  # terms of the rule's own clauses (no questions)


@dataclass(frozen=True)
class Hit:
    target: Target
    rank: float
    profile: float
    coverage: float
    closeness: float
    specific: bool  # the target firmly explains a query term that is not a generic one
    off_topic: bool  # the query uses an out-of-domain word ("dinners") the target does not
    audience_match: bool
    admin: bool = False  # the question asks for a price, a fix, a reset or a name the target lacks
    other_party: bool = False  # the question names a pupil or a parent; the target, only the other
    intent: float | None = None  # how far the target is about the question's intents (None: the
    # question names no intent)
    transfer: int | None = None  # the clause's rank on the question's translated terms (0: best;
    # None: not a clause, or no translation)
    transfer_share: float = 0.0  # its score on translated terms over the best clause's


class SchoolIndex:
    """The search index of one school's policy documents and FAQ entries."""

    def __init__(
        self, documents: Sequence[PolicyDocument], entries: Sequence[FaqEntry],
        borrowed: Mapping[Clause, Sequence[Borrowed]] | None = None,
        translation: Translation | None = None,
    ) -> None:
        texts: list[list[str]] = []
        owners: list[int] = []
        self._targets: list[Target] = []
        profiles: list[list[str]] = []
        for target, doc_texts in _targets(documents, entries, borrowed or {}):
            for tokens in doc_texts:
                texts.append(tokens or ["\u2205"])
                owners.append(len(self._targets))
            profiles.append([term for tokens in doc_texts for term in tokens] or ["\u2205"])
            self._targets.append(target)
        self._owners = owners
        self._idf = _idf(texts)
        median = sorted(self._idf.values())[len(self._idf) // 2]
        self._oov = median * OOV_WEIGHT
        self._oov_out_of_domain = median * OUT_OF_DOMAIN_OOV_WEIGHT
        self._targets = [
            dataclasses.replace(target, question_weights=tuple(
                sum(self.weight(term) for term in question) for question in target.questions
            ))
            for target in self._targets
        ]
        self.speller = Speller(self._idf)
        clauses = [
            (owner, target.clause) for owner, target in enumerate(self._targets)
            if target.entry is None and target.clause is not None
        ]
        # a clause of several sentences is ranked on each of them too (its best counts):
        # one sentence of a long paragraph can be what a question is about
        units = [(owner, tokens) for owner, clause in clauses
                 for tokens in _own_units(clause)]
        self._clause_owners = [owner for owner, _ in units]
        self._ranker = ClauseRanker(
            [tokens for _, tokens in units], translation
        ) if translation is not None else None
        self._questions = _bm25(texts, b=0.75)
        self._profiles = _bm25(profiles, b=0.3)

    @property
    def words(self) -> frozenset[str]:
        """Every term of the index (the policy's and its FAQ's words, stemmed)."""
        return frozenset(self._idf)

    def weight(self, term: str) -> float:
        """How much ``term`` says about a question: its IDF, adjusted by what kind of word it is."""
        if term in OUT_OF_DOMAIN:
            return self._idf.get(term, self._oov_out_of_domain) * OUT_OF_DOMAIN_FACTOR
        weight = self._idf.get(term)
        if weight is None:  # a concept this policy never mentions says more than a chatty word
            return self._oov_out_of_domain if term in CONCEPTS else self._oov
        return weight if term in CONCEPTS or term in DOMAIN else weight * PLAIN_FACTOR

    def correct(self, query: Sequence[str]) -> list[str]:
        """``query`` with misspelt terms corrected to known ones."""
        return [fixed for term in query for fixed in self.speller.correct(term)]

    def search(self, query: Sequence[str], audience: Audience) -> list[Hit]:
        """Hits for ``query`` terms, best first (at most one per target)."""
        weights = {term: self.weight(term) for term in self.correct(query)}
        known = [term for term in weights if term in self._idf]
        if not known:
            return []
        question_scores = self._questions.get_scores(known)
        profile_scores = self._profiles.get_scores(known)
        best_profile = float(profile_scores.max()) or 1.0
        by_target: dict[int, float] = {}
        for position in _top(question_scores, CANDIDATES):
            owner = self._owners[position]
            by_target.setdefault(owner, float(question_scores[position]))
        for owner in _top(profile_scores, PROFILE_CANDIDATES):
            by_target.setdefault(owner, 0.0)
        transfer = self._transfer(self.correct(query))
        for owner in list(transfer)[:PROFILE_CANDIDATES]:
            by_target.setdefault(owner, 0.0)
        query_hits = _Query(weights, audience)
        hits = [
            dataclasses.replace(
                query_hits.hit(self._targets[owner], score,
                               float(profile_scores[owner]) / best_profile),
                transfer=transfer[owner][0] if owner in transfer else None,
                transfer_share=transfer[owner][1] if owner in transfer else 0.0,
            )
            for owner, score in by_target.items()
        ]
        return sorted(hits, key=lambda hit: hit.rank, reverse=True)

    def _transfer(self, query: Sequence[str]) -> dict[int, tuple[int, float]]:
        """Target -> its clause's rank on the question's translated terms and its score
        over the best one's, best first."""
        if self._ranker is None:
            return {}
        by_owner: dict[int, float] = {}
        for position, found in self._ranker.rank(query).items():
            owner = self._clause_owners[position]
            by_owner[owner] = max(by_owner.get(owner, 0.0), found)
        ranked = sorted(by_owner, key=lambda owner: -by_owner[owner])
        best = by_owner[ranked[0]] if ranked else 1.0
        return {
            owner: (rank, by_owner[owner] / best if best else 0.0)
            for rank, owner in enumerate(ranked)
        }


class _Query:
    """One question's term weights, scoring targets against it."""

    def __init__(self, weights: dict[str, float], audience: Audience) -> None:
        self.weights = weights
        self.total = sum(weights.values())
        self.terms = frozenset(weights)
        self.audience = audience
        self.intents = intents(weights)

    def hit(self, target: Target, score: float, profile: float) -> Hit:
        vocabulary = target.vocabulary
        general = vocabulary.get("socialmedia", 0.0) * PLATFORM_FACTOR
        explained = sum(
            weight * max(vocabulary.get(term, 0.0), general if term in PLATFORMS else 0.0)
            for term, weight in self.weights.items()
        )
        specific = any(
            vocabulary.get(term, 0.0) >= 1.0 and term not in GENERIC for term in self.terms
        )
        off_topic = any(term in OUT_OF_DOMAIN and term not in vocabulary for term in self.terms)
        admin = any(vocabulary.get(term, 0.0) < 1.0 for term in self.terms & ADMIN_INTENTS)
        named = self.terms & PARTIES
        other_party = bool(named) and all(
            vocabulary.get(term, 0.0) < 1.0 for term in named
        ) and any(vocabulary.get(term, 0.0) >= 1.0 for term in PARTIES - named)
        closeness = max(
            (self._dice(question, size) for question, size in zip(
                target.questions, target.question_weights, strict=True)),
            default=0.0,
        )
        return Hit(
            target=target,
            rank=min(1.0, score / self.total),
            profile=profile,
            coverage=explained / self.total,
            closeness=closeness,
            specific=specific,
            off_topic=off_topic,
            audience_match=not target.audiences or self.audience in target.audiences,
            admin=admin,
            other_party=other_party,
            intent=self._intent(target),
        )

    def _intent(self, target: Target) -> float | None:
        """The target's share of the question's main intent, and a little of its others."""
        if not self.intents:
            return None
        main, *others = self.intents
        total = target.intents.get(main, 0.0) + SECONDARY_INTENT * sum(
            target.intents.get(intent, 0.0) for intent in others
        )
        return total / (1.0 + SECONDARY_INTENT * len(others))

    def _dice(self, question: frozenset[str], size: float) -> float:
        if self.terms.isdisjoint(question):
            return 0.0
        shared = sum(self.weights[term] for term in self.terms & question)
        return 2 * shared / (self.total + size)


def _top(scores: npt.NDArray[np.float32], count: int) -> list[int]:
    import numpy as np

    count = min(count, len(scores))
    best = np.argpartition(-scores, count - 1)[:count]
    return [int(i) for i in best[np.argsort(-scores[best])]]


def _bm25(texts: list[list[str]], b: float) -> _Bm25:
    import bm25s  # deferred: numpy and bm25s load only when an index is built

    model: _Bm25 = bm25s.BM25(k1=1.2, b=b)
    model.index(texts, show_progress=False)
    return model


class _Bm25(Protocol):  # the part of bm25s.BM25 used here (bm25s ships no type hints)
    def index(self, corpus: list[list[str]], show_progress: bool) -> None: ...

    def get_scores(self, query_tokens_single: list[str]) -> npt.NDArray[np.float32]: ...


def _idf(texts: list[list[str]]) -> dict[str, float]:
    frequency: Counter[str] = Counter()
    for tokens in texts:
        frequency.update(set(tokens))
    count = len(texts)
    return {
        term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
    }


def _clause_terms(clause: Clause) -> list[str]:
    return terms(f"{clause.section}. {clause.lead_in} {clause.text}")


def _own_terms(clause: Clause) -> list[str]:
    """A clause's words as a search document: its heading and its text. The sentence that
    introduces its list ("... staff should follow these guidelines in which they DO
    NOT:") is every item's, so it tells the items apart by nothing (see :func:`_soften`)."""
    return terms(f"{clause.section}. {clause.text}")


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z])")


def _own_units(clause: Clause) -> list[list[str]]:
    """The clause's own terms, then each of its sentences' (with its heading), if several."""
    whole = _own_terms(clause)
    sentences = _SENTENCE_END.split(clause.text)
    if len(sentences) < 2:
        return [whole]
    return [whole, *(terms(f"{clause.section}. {sentence}") for sentence in sentences)]


def _soften(vocabulary: dict[str, float], clause: Clause) -> dict[str, float]:
    """The list's introduction still explains a question's words, as incidental ones."""
    for term in terms(clause.lead_in):
        vocabulary.setdefault(term, 0.5)
    return vocabulary


def _entry_vocabulary(questions: list[list[str]], firm: Iterable[str]) -> dict[str, float]:
    """Terms of the answer and cited clauses, or of two or more questions, are firm (1.0);
    a term only one question uses is incidental (0.5): "can I use my phone at dinner time"
    must not make the entry an answer about dinners."""
    counts: Counter[str] = Counter(term for tokens in questions for term in set(tokens))
    vocabulary = {term: 1.0 if count >= 2 else 0.5 for term, count in counts.items()}
    vocabulary.update(dict.fromkeys(firm, 1.0))
    return vocabulary


def _targets(
    documents: Sequence[PolicyDocument], entries: Sequence[FaqEntry],
    borrowed: Mapping[Clause, Sequence[Borrowed]],
) -> Iterable[tuple[Target, list[list[str]]]]:
    for entry in entries:
        questions = [terms(question) for question in entry.questions]
        answer = terms(entry.answer)
        cited = [term for clause in entry.sources for term in _clause_terms(clause)]
        document = _owner(documents, entry)
        target = Target(
            document, entry, None, entry.audiences,
            _entry_vocabulary(questions, [*answer, *cited]),
            tuple(frozenset(q) for q in questions),
            intents=_share(intents(question) for question in questions),
            rule_terms=frozenset(cited),
        )
        yield target, [*questions, answer]
    for document in documents:
        for clause in document.clauses:
            yield _clause_target(document, clause, borrowed.get(clause, ()))


def _clause_target(
    document: PolicyDocument, clause: Clause, lessons: Sequence[Borrowed]
) -> tuple[Target, list[list[str]]]:
    """A rule clause, asked about in its own words and in those its lessons borrow."""
    tokens = _own_terms(clause)
    if not lessons:
        target = Target(
            document, None, clause, clause.audiences, _soften(dict.fromkeys(tokens, 1.0), clause),
            (frozenset(tokens),), intents=dict.fromkeys(intents(tokens), 1.0),
            rule_terms=frozenset(tokens),
        )
        return target, [tokens]
    questions = [terms(q) for borrowed in lessons for q in borrowed.lesson.questions]
    vocabulary = _soften(_entry_vocabulary(questions, tokens), clause)
    shares = _share(intents(question) for question in questions)
    for intent in intents(tokens):
        shares[intent] = 1.0
    target = Target(
        document, None, clause, clause.audiences, vocabulary,
        (frozenset(tokens), *(frozenset(q) for q in questions)), intents=shares,
        rule_terms=frozenset(tokens),
    )
    return target, [tokens, *questions]


def _share(question_intents: Iterable[tuple[str, ...]]) -> dict[str, float]:
    """Each intent's share of an entry's questions."""
    counts: Counter[str] = Counter()
    total = 0
    for found in question_intents:
        counts.update(found)
        total += 1
    return {intent: count / total for intent, count in counts.items()} if total else {}


def _owner(documents: Sequence[PolicyDocument], entry: FaqEntry) -> PolicyDocument:
    for document in documents:
        if any(source in document.clauses or source in document.extras for source in entry.sources):
            return document
    return documents[0]
