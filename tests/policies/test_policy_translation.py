"""Chat words translated to policy words, and a new school's clauses ranked on them."""

from __future__ import annotations

from policies.transfer import ClauseRanker
from policies.translation import Pair, Translation


def _pairs() -> list[Pair]:
    asked = [frozenset({"parent", "incomingcontact", "facebook"}),
             frozenset({"parent", "incomingcontact", "instagram"}),
             frozenset({"incomingcontact", "pupil"})]
    other = [frozenset({"phone", "lesson"}), frozenset({"phone", "breaktime"})] * 3
    return ([Pair(q, frozenset({"attempt", "aware", "headteacher"})) for q in asked]
            + [Pair(q, frozenset({"store", "locker", "phone"})) for q in other])


def test_a_question_term_translates_to_the_words_of_the_clauses_that_answer_it() -> None:
    translation = Translation.learn(_pairs())
    assert set(translation.translations("incomingcontact")) == {"attempt", "aware", "headteacher"}


def test_a_term_seen_too_rarely_teaches_nothing() -> None:
    assert not Translation.learn(_pairs()).translations("facebook")


def test_translations_weigh_less_than_the_question_s_own_terms() -> None:
    weights = Translation.learn(_pairs()).expand(["incomingcontact"])
    assert weights["incomingcontact"] == 1.0
    assert 0 < sum(w for t, w in weights.items() if t != "incomingcontact") < 1.0


def test_a_clause_in_policy_words_is_found_for_a_question_in_chat_words() -> None:
    clauses = [["phone", "store", "locker"], ["attempt", "friend", "headteacher", "aware"]]
    ranker = ClauseRanker(clauses, Translation.learn(_pairs()))
    scores = ranker.rank(["incomingcontact"])
    assert max(scores, key=scores.__getitem__) == 1
