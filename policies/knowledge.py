"""What the curated FAQ files teach about how people ask, for use at any school.

Each curated FAQ entry is a lesson: a rule (the clauses it cites) and a dozen
ways people ask about it, in chat words ("jake's mum added me on FB"). A clause
of another school's policy that says the same thing as a lesson's rule borrows
the lesson's questions, so a school whose policy came with no FAQ file is asked
about in the words people use, not only the policy's. Only the questions are
borrowed: an answer always quotes the school's own clause.

Rules are compared as IDF-weighted cosines over their index terms
(:func:`policies.vocabulary.terms`): formal text against formal text.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from policies.answer import Audience
from policies.documents import Clause, load_policy
from policies.faq import Faq, FaqEntry, load_faq
from policies.translation import Pair, Translation
from policies.vocabulary import GENERIC, terms

__all__ = ["Borrowed", "Knowledge", "Lesson", "load_knowledge"]

BUNDLED = Path(__file__).resolve().parent  # faq/<slug>.yaml over samples/<slug>.txt

MIN_SIMILARITY = 0.2  # a clause borrows from a lesson whose rule is at least this close
MAX_LESSONS = 6  # ... from at most this many of the closest lessons
QUESTION_WEIGHT = 2.0  # how much the questions' terms count next to one clause's
# Words every rule uses; who a rule is about (pupil, parent...) still tells rules apart.
_IGNORED = GENERIC - {"pupil", "parent", "headteacher", "governor"}


@dataclass(frozen=True)
class Lesson:
    """One curated entry of one school: the rule it cites and how people ask about it."""

    school: str
    entry_id: str
    questions: tuple[str, ...]
    audiences: frozenset[Audience]
    rule: Mapping[str, float]  # what the entry is about: its clauses' and questions' terms
    cited: frozenset[str] = frozenset()  # the terms of its clauses alone


@dataclass(frozen=True)
class Borrowed:
    """A lesson a clause borrows questions from, and how close their rules are."""

    lesson: Lesson
    similarity: float


def clause_terms(clause: Clause) -> list[str]:
    """The terms a rule is compared on: its own text (not its heading or lead-in)."""
    return [term for term in terms(clause.text) if term not in _IGNORED]


class Knowledge:
    """The lessons of a set of curated FAQ files."""

    def __init__(self, lessons: Sequence[Lesson]) -> None:
        self.lessons = tuple(lessons)
        frequency: Counter[str] = Counter()  # how many lessons' rules use each term
        for lesson in self.lessons:
            frequency.update(lesson.rule.keys())
        count = max(len(self.lessons), 1)
        # damped IDF: a rare incidental word ("circumstances") must not outweigh the
        # concepts a rule is about ("friend", "pupil")
        self._idf = {term: math.sqrt(math.log(1 + count / df)) for term, df in frequency.items()}
        self._unknown = math.sqrt(math.log(1 + count))
        self._norms = [self._norm(lesson.rule) for lesson in self.lessons]

    @classmethod
    def from_faqs(cls, faqs: Iterable[Faq]) -> Knowledge:
        lessons = [
            Lesson(faq.school, entry.id, _anonymous(entry.questions, names), entry.audiences,
                   _profile(entry, names), _cited(entry, names))
            for faq, names in ((faq, _name_terms(faq)) for faq in faqs)
            for entry in faq.entries
            if any(clause.kind == "rule" for clause in entry.sources[:1])
        ]
        return cls(lessons)

    def schools(self) -> frozenset[str]:
        return frozenset(lesson.school for lesson in self.lessons)

    def without(self, school: str) -> Knowledge:
        """The same knowledge with nothing learnt from ``school``'s FAQ."""
        return Knowledge([lesson for lesson in self.lessons if lesson.school != school])

    def translation(self) -> Translation:
        """How the lessons' questions say what their clauses say (chat words -> policy
        words), learnt from every lesson's questions and cited clauses."""
        return Translation.learn(
            Pair(frozenset(terms(question)), lesson.cited)
            for lesson in self.lessons for question in lesson.questions
        )

    def borrow(self, clause: Clause, *, exclude: str | None = None) -> list[Borrowed]:
        """The lessons (of schools other than ``exclude``) whose rule says what ``clause``
        says, closest first."""
        vector = self._vector(clause)
        if not vector:
            return []
        found = [
            Borrowed(lesson, sim) for lesson, norm in zip(self.lessons, self._norms, strict=True)
            if lesson.school != exclude and norm
            and (sim := self._cosine(vector, lesson.rule, norm)) >= MIN_SIMILARITY
        ]
        found.sort(key=lambda b: -b.similarity)
        return found[:MAX_LESSONS]

    def _vector(self, clause: Clause) -> dict[str, float]:
        """The clause's known terms: a word no lesson uses cannot make it closer to one."""
        counts = Counter(term for term in clause_terms(clause) if term in self._idf)
        return {term: float(count) for term, count in counts.items()}

    def _cosine(
        self, vector: Mapping[str, float], rule: Mapping[str, float], rule_norm: float
    ) -> float:
        dot = sum(
            count * rule.get(term, 0.0) * self._weight(term) ** 2
            for term, count in vector.items()
        )
        return dot / (self._norm(vector) * rule_norm)

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self._unknown)

    def _norm(self, counts: Mapping[str, float]) -> float:
        return math.sqrt(sum((count * self._weight(term)) ** 2 for term, count in counts.items()))


def _profile(entry: FaqEntry, names: frozenset[str]) -> dict[str, float]:
    """An entry's terms: its clauses' as counted, plus each question term's share of the
    questions (a term every question uses counts as much as one use in a clause)."""
    profile: dict[str, float] = {}
    for clause in entry.sources:
        for term in clause_terms(clause):
            if term not in names:
                profile[term] = profile.get(term, 0.0) + 1.0
    share = 1.0 / len(entry.questions)
    for question in entry.questions:
        for term in set(terms(question)) - names - _IGNORED:
            profile[term] = profile.get(term, 0.0) + share * QUESTION_WEIGHT
    return profile


def _cited(entry: FaqEntry, names: frozenset[str]) -> frozenset[str]:
    return frozenset(
        term for clause in entry.sources for term in terms(clause.text) if term not in names
    )


def _anonymous(questions: tuple[str, ...], names: frozenset[str]) -> tuple[str, ...]:
    """The questions that do not name their own school ("does croughton have insta")."""
    return tuple(q for q in questions if names.isdisjoint(terms(q))) or questions


def _name_terms(faq: Faq) -> frozenset[str]:
    """Words of the school's slug ("lancastrian", "croughton"): no rule is about them."""
    return frozenset(terms(faq.school.replace("-", " ")))


def load_knowledge(folder: Path = BUNDLED) -> Knowledge:
    """The lessons of the curated FAQ files shipped with PolicyBot (the demo schools'):
    each ``faq/<slug>.yaml`` checked against its ``samples/<slug>.txt``."""
    faqs = [
        load_faq(path, [load_policy(folder / "samples" / f"{path.stem}.txt")], school=path.stem)
        for path in sorted((folder / "faq").glob("*.yaml"))
    ]
    return Knowledge.from_faqs(faqs)
