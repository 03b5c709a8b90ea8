"""The answer engine: a school's question in, the school's own rule out (or an abstention).

Build once from the configured schools (:meth:`AnswerEngine.build`), then call
:meth:`AnswerEngine.answer` as often as needed: it is pure and fast (no I/O), so
handlers can call it inline. Each school's data lives in its own index; a
question never sees another school's policy.

An answer rests on the best match among the school's FAQ entries and raw
policy clauses (:mod:`policies.retrieval`). It abstains when the match does
not explain the question well enough: a confident wrong answer about
safeguarding is worse than "ask the Headteacher".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from policies.answer import MAX_SOURCES, Answer, Audience, Source
from policies.compose import compose
from policies.documents import Clause, PolicyDocument, load_policy
from policies.errors import PolicyFileError, QuestionError, UnknownSchool
from policies.faq import Faq, StaleEntry, load_faq
from policies.knowledge import Borrowed, Knowledge, load_knowledge
from policies.language import NOT_ENGLISH, is_english
from policies.metadata import review_date
from policies.nearmiss import mismatch
from policies.retrieval import Hit, SchoolIndex
from policies.review import asks_review_date, review_answer
from policies.vocabulary import DOMAIN, STRONG_DOMAIN, stem, terms

__all__ = ["AnswerEngine", "PolicySource"]

STAFF_RULE_FOR_PARENTS = (
    "The policy doesn't set a rule for parents on this; what it says for staff is below. "
    "If you have a concern, please speak to the school."
)
NEAR_MISS_CANDIDATES = 3  # acceptable matches looked at for one that fits the question
MAX_QUESTION_CHARS = 1000  # longer questions are cut to this, at a word boundary
REJECT_QUESTION_CHARS = 100_000  # beyond this a "question" is a pasted file: refused


@dataclass(frozen=True)
class PolicySource:
    """Where one school's policy documents and FAQ file live."""

    slug: str
    name: str
    policy_paths: tuple[Path, ...]
    faq_path: Path | None = None
    next_review: date | None = None  # the school config's, over the document's


@dataclass(frozen=True)
class Thresholds:
    """How hits are scored and when to answer.

    Calibrated on the dev questions, on FAQ questions held out of the index
    (4-fold) and on out-of-scope school questions (dinners, term dates, wifi...).
    """

    coverage_weight: float = 0.5
    closeness_weight: float = 0.2
    rank_weight: float = 0.2
    profile_weight: float = 0.2
    answer: float = 0.5  # minimum combined score to answer from an FAQ entry
    clause: float = 0.45  # minimum combined score to answer by quoting a raw clause
    new_school_clause: float = 0.4  # ... of a school with no FAQ (whose scores run lower)
    coverage: float = 0.3  # minimum share of the question's weight the match explains
    weak_coverage: float = 0.45  # ... when its only domain words are ones like "post", "photo"
    off_topic_coverage: float = 0.7  # ... when the question has no social media word at all
    out_of_domain_coverage: float = 0.65  # ... when it uses a word like "dinners" the match lacks
    other_audience: float = 0.8  # score factor for a match written for the other audience
    other_party: float = 0.85  # score factor for a match about pupils when the question is
    # about a parent (or the reverse)
    intent_weight: float = 0.25  # when choosing among acceptable matches, a penalty per unit
    intent_centre: float = 0.5  # ... a match falls short of being this much about the question's
    # main action (befriend, post, report...): see vocabulary.INTENTS
    raw_clause: float = 0.9  # score factor for a raw clause (an FAQ entry is curated)
    tie: float = 0.92  # a match this close to the best puts its clause second
    companion: float = 0.8  # a match this close to the best adds its clause after the answer's
    translated: float = 0.8  # a new school's clauses ranked first on translated terms may answer
    # at this fraction of the floor (see _Decision._translated_first)


@dataclass(frozen=True)
class _School:
    source: PolicySource
    documents: tuple[PolicyDocument, ...]
    faq: Faq | None
    index: SchoolIndex


class AnswerEngine:
    """Answers social media policy questions for a set of schools."""

    def __init__(self, schools: Mapping[str, _School], thresholds: Thresholds | None = None):
        self._schools = dict(schools)
        self.thresholds = thresholds or Thresholds()

    @classmethod
    def build(
        cls, sources: Iterable[PolicySource], knowledge: Knowledge | None = None
    ) -> AnswerEngine:
        """Load, validate and index every school; raises PolicyFileError or FaqError.

        A school with no FAQ file is asked about in the words of ``knowledge`` (other
        schools' curated FAQs; by default the bundled ones, loaded only when needed): its
        clauses borrow the questions people ask about the same rule elsewhere. A curated
        school keeps to its own FAQ, which did better on fresh questions than both."""
        sources = list(sources)
        if knowledge is None and any(source.faq_path is None for source in sources):
            knowledge = load_knowledge()
        return cls({source.slug: _load_school(source, knowledge) for source in sources})

    def schools(self) -> tuple[str, ...]:
        return tuple(self._schools)

    def name(self, school: str) -> str:
        return self._school(school).source.name

    def document(self, school: str) -> PolicyDocument:
        """The school's (first) policy document."""
        return self._school(school).documents[0]

    def documents(self, school: str) -> tuple[PolicyDocument, ...]:
        return self._school(school).documents

    def stale_entries(self, school: str) -> tuple[StaleEntry, ...]:
        """FAQ entries switched off: the policy no longer says what they quote."""
        faq = self._school(school).faq
        return faq.stale if faq else ()

    def review_date(self, school: str) -> date | None:
        """The policy's next review date (the config's over the document's)."""
        data = self._school(school)
        stated = next((d.next_review for d in data.documents if d.next_review), None)
        return review_date(data.source.next_review, stated)

    def answer(self, *, school: str, question: str, audience: Audience | str) -> Answer:
        """Answer ``question`` from ``school``'s policy for ``audience``.

        Raises UnknownSchool, or QuestionError for an empty question (or one over
        100,000 characters); a long question is answered from its first 1,000.
        """
        data = self._school(school)
        audience = Audience(audience)
        text = _trim(question)
        if not is_english(text, data.index.words):
            return Answer(NOT_ENGLISH, True, 0.0)
        if asks_review_date(text):
            return review_answer(data.source.name, data.documents, self.review_date(school))
        query = data.index.correct(terms(text))
        hits = data.index.search(query, audience) if query else []
        return _Decision(data, self.thresholds, query, hits, audience, text).answer()

    def _school(self, school: str) -> _School:
        try:
            return self._schools[school]
        except KeyError:
            raise UnknownSchool(school, tuple(self._schools)) from None


def _load_school(source: PolicySource, knowledge: Knowledge | None) -> _School:
    if not source.policy_paths:
        raise PolicyFileError(Path(source.slug), "unreadable", "no policy files configured")
    documents = tuple(load_policy(path) for path in source.policy_paths)
    if not any(d.clauses for d in documents):
        raise PolicyFileError(source.policy_paths[0], "empty",
                              "it has no rules to answer from (is it the whole policy?)")
    faq = load_faq(source.faq_path, documents, school=source.slug) if source.faq_path else None
    entries = faq.entries if faq else ()
    borrowed = (
        _borrowed(documents, knowledge, source.slug) if faq is None and knowledge else {}
    )
    translation = knowledge.translation() if faq is None and knowledge else None
    index = SchoolIndex(documents, entries, borrowed, translation)
    return _School(source, documents, faq, index)


def _borrowed(
    documents: Sequence[PolicyDocument], knowledge: Knowledge, school: str
) -> dict[Clause, list[Borrowed]]:
    """The lessons each of the school's clauses borrows questions from."""
    return {
        clause: lessons for document in documents for clause in document.clauses
        if (lessons := knowledge.borrow(clause, exclude=school))
    }


def _trim(question: str) -> str:
    text = question.strip()
    if not text:
        raise QuestionError("empty")
    if len(text) > REJECT_QUESTION_CHARS:
        raise QuestionError("too long")
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(None, 1)[0]
    return text


class _Decision:
    """Turns ranked hits into an answer or an abstention."""

    def __init__(
        self, school: _School, limits: Thresholds, query: list[str], hits: list[Hit],
        audience: Audience, question: str = "",
    ) -> None:
        self.question = question
        self.school = school
        self.limits = limits
        self.audience = audience
        self.query = frozenset(query)
        self.domain = (
            2 if any(term in STRONG_DOMAIN for term in query)
            else 1 if any(term in DOMAIN for term in query) else 0
        )
        self.scored = sorted(((self._score(hit), hit) for hit in hits), key=lambda p: -p[0])

    def _score(self, hit: Hit) -> float:
        limits = self.limits
        score = (
            limits.coverage_weight * hit.coverage
            + limits.closeness_weight * hit.closeness
            + limits.rank_weight * hit.rank
            + limits.profile_weight * hit.profile
        )
        if not hit.audience_match:
            score *= limits.other_audience
        if hit.other_party:
            score *= limits.other_party
        if hit.target.entry is None:
            score *= limits.raw_clause
        return score

    def _intent_shift(self, hit: Hit) -> float:
        """A penalty for a match about a neighbouring action rather than the one the question
        asks about ("follow a dad" vs the rule on criticising parents); nothing when the
        question names no action. (A bonus as well did worse on the tuning sets.)"""
        if hit.intent is None:
            return 0.0
        return self.limits.intent_weight * min(0.0, hit.intent - self.limits.intent_centre)

    def _acceptable(self, score: float, hit: Hit) -> bool:
        floor = self._floor(hit)
        coverage = (
            self.limits.off_topic_coverage, self.limits.weak_coverage, self.limits.coverage
        )[self.domain]
        if hit.off_topic:
            if self.domain == 0:
                return False  # nothing about social media or conduct, and school admin besides
            coverage = max(coverage, self.limits.out_of_domain_coverage)
        return score >= floor and hit.coverage >= coverage and hit.specific and not hit.admin

    def _floor(self, hit: Hit) -> float:
        """The least score to answer from ``hit``: a new school's clauses score lower than a
        curated school's (no FAQ questions of its own to match), so their floor is lower."""
        if hit.target.entry is not None:
            return self.limits.answer
        return self.limits.clause if self.school.faq else self.limits.new_school_clause

    def _translated_first(self, score: float, hit: Hit) -> bool:
        """A school with no FAQ: the clauses ranked first on the question's translated terms
        may answer at a lower floor, once the best match has made the question answerable
        (its own words are the policy's, not the chat's, so the index scores it low)."""
        return (hit.transfer is not None and hit.transfer < TRANSLATED_FIRST
                and self._acceptable(score / self.limits.translated, hit))

    def _fits(self, hit: Hit) -> bool:
        """Whether the rule itself speaks to the key thing the question asks about."""
        target = hit.target
        clauses = target.entry.sources if target.entry else (target.clause,)
        text = " ".join(f"{c.lead_in} {c.text}" for c in clauses if c is not None)
        return mismatch(self.question, self.query, text, target.rule_terms) is None

    def answer(self) -> Answer:
        if not self.scored or not self._acceptable(*self.scored[0]):
            best = self.scored[0][0] if self.scored else 0.0
            return self._abstain(best)
        # Whether to answer rests on the match alone; which acceptable match answers, also on
        # the question's intent.
        ranked = _fused(sorted(
            ((score + self._intent_shift(hit), score, hit) for score, hit in self.scored),
            key=lambda p: -p[0],
        ))
        acceptable = [item for item in ranked if self._acceptable(item[1], item[2])
                      or self._translated_first(item[1], item[2])]
        fitting = [item for item in acceptable[:NEAR_MISS_CANDIDATES] if self._fits(item[2])]
        if not fitting:
            return self._abstain(min(acceptable[0][1], self.limits.answer - 0.01))
        adjusted, score, hit = self._preferred(fitting)
        floor = self._floor(hit)
        confidence = _confidence(max(score, floor), floor)
        entry = hit.target.entry
        permission = ASK_LEAVE in self.query
        parents = _parents_rule(hit) if self.audience is Audience.PARENT else None
        if entry is not None and not hit.audience_match and parents is not None:
            # a staff entry that quotes the parents' own rule: a parent is given that rule
            clauses = [parents, *(c for c in entry.sources if c != parents)]
            text = compose(parents, permission=permission)
        elif entry is not None and not hit.audience_match and self.audience is Audience.PARENT:
            # staff guidance is no instruction to a parent: say what the rule is, not "you must"
            clauses = list(entry.sources)
            text = STAFF_RULE_FOR_PARENTS
        elif entry is not None:
            clauses = list(entry.sources)
            text = entry.answer
        else:
            assert hit.target.clause is not None
            clauses = [hit.target.clause]
            text = compose(hit.target.clause, permission=permission)
        others = [(other, item) for other, _, item in ranked if item is not hit]
        if hit.transfer is not None:
            # a school with no FAQ: which of its clauses answers is less certain, so the next
            # acceptable clauses (in fused order) follow the answer's as sources
            others = [(adjusted, item) for *_, item in acceptable if item is not hit]
        return Answer(text, False, confidence, self._sources(hit, clauses, adjusted, others))

    def _preferred(
        self, fitting: list[tuple[float, float, Hit]]
    ) -> tuple[float, float, Hit]:
        """The fitting match to answer from: the first, unless a later one is the rule for
        the asker (a parent is given the parents' rule wherever the policy has one), or
        is about the circumstance the question names where the first is not ("at break"
        is answered by the break-time rule, not the one on using it in front of pupils)."""
        first = fitting[0][2]
        if self.audience is Audience.PARENT and not first.audience_match:
            fitting = sorted(fitting, key=lambda item: not _for_parents(item[2]))
        asked = self.query & CIRCUMSTANCES
        if asked and not asked <= _lead_terms(fitting[0][2]):
            about = [item for item in fitting if asked <= _lead_terms(item[2])]
            if about and _for_parents(about[0][2]) >= _for_parents(fitting[0][2]):
                return about[0]
        return fitting[0]

    def _sources(
        self, best: Hit, clauses: list[Clause], score: float, others: list[tuple[float, Hit]]
    ) -> tuple[Source, ...]:
        """The answer's lead clause, then near-ties' lead clauses, then the answer's other
        clauses and close matches' lead clauses: most relevant first, at most three."""
        ties: list[Clause] = []
        companions: list[Clause] = []
        for other_score, hit in others:
            if other_score < score * self.limits.companion:
                break
            target = hit.target
            lead = target.entry.sources[0] if target.entry else target.clause
            if lead is not None and hit.audience_match:
                tier = ties if other_score >= score * self.limits.tie else companions
                tier.append(lead)
        ordered = [*clauses[:1], *ties, *clauses[1:], *companions]
        chosen = list(dict.fromkeys(ordered))[:MAX_SOURCES]
        title = best.target.document.title
        return tuple(Source(title, clause.section, clause.text) for clause in chosen)

    def _abstain(self, best: float) -> Answer:
        name = self.school.source.name
        text = (
            f"The {name} social media policy doesn't cover this, so I can't answer it from "
            "the policy. Please ask the Headteacher."
        )
        # how close the best match came to being an answer: always below an answer's 0.5
        return Answer(text, True, min(_confidence(best, self.limits.answer), 0.49))


ASK_LEAVE = stem("askleave")  # the term "can I", "is it ok to", "am I allowed" become

# When or where a question asks about doing something: the rule that answers it names it.
CIRCUMSTANCES = frozenset(map(stem, ("breaktime", "lesson", "front")))


def _lead(hit: Hit) -> Clause | None:
    target = hit.target
    return target.entry.sources[0] if target.entry else target.clause


def _lead_terms(hit: Hit) -> frozenset[str]:
    lead = _lead(hit)
    return frozenset(terms(f"{lead.lead_in} {lead.text}")) if lead is not None else frozenset()


def _parents_rule(hit: Hit) -> Clause | None:
    """The first of the match's clauses that the policy addresses to parents."""
    target = hit.target
    clauses = target.entry.sources if target.entry else (target.clause,)
    return next((c for c in clauses if c is not None and Audience.PARENT in c.audiences), None)


def _for_parents(hit: Hit) -> bool:
    """Whether the match quotes a rule the policy addresses to parents."""
    return _parents_rule(hit) is not None


TRANSLATED_FIRST = 2  # how many clauses of the translated ranking may answer at a lower floor
SHARE_WEIGHT = 0.6  # how much a clause's score on translated terms (over the best clause's)
# adds to its own when choosing which clause answers


def _fused(ranked: list[tuple[float, float, Hit]]) -> list[tuple[float, float, Hit]]:
    """``ranked`` reordered by each match's own score plus its share of the best score on
    translated terms (a school with no FAQ); unchanged when no hit has a translated rank.
    (Fusing the two rankings' ranks instead did a little worse on the other schools' FAQ
    questions, each asked of its school built with no FAQ.)"""
    if all(hit.transfer is None for _, _, hit in ranked):
        return ranked
    return sorted(ranked, key=lambda item: -(item[0] + SHARE_WEIGHT * item[2].transfer_share))


def _confidence(score: float, threshold: float) -> float:
    """Map a combined score to (0, 1): 0.5 at the answer threshold, ~0.95 at 0.3 above it."""
    return 1.0 / (1.0 + math.exp(-10.0 * (score - threshold)))
