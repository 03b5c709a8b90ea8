"""Near-misses abstain; other languages are told so; answers agree with their rule."""

from __future__ import annotations

import pytest

from policies.engine import AnswerEngine
from policies.language import NOT_ENGLISH
from policies.offers import offer_for


@pytest.mark.parametrize(("school", "question"), [
    ("croughton", "can pupils bring their own phones into school?"),
    ("croughton", "how many days do i have to report a friend request from a parent"),
    ("lancastrian", "what age can children join facebook?"),
    ("marston-montgomery", "who keeps the password for the school twitter"),
    ("sharp-lane", "where do I keep my phone during the school day"),
])
def test_a_rule_without_the_key_thing_asked_abstains(
    engine: AnswerEngine, school: str, question: str
) -> None:
    assert engine.answer(school=school, question=question, audience="staff").abstained


@pytest.mark.parametrize("question", [
    "est-ce que je peux accepter un parent comme ami sur facebook ?",
    "kann ich fotos vom sportfest auf instagram posten?",
    "czy mogę napisać skargę na facebooku?",
])
def test_a_question_in_another_language_is_told_so(engine: AnswerEngine, question: str) -> None:
    answer = engine.answer(school="croughton", question=question, audience="parent")
    assert answer.abstained
    assert answer.answer == NOT_ENGLISH


def test_the_key_thing_when_the_rule_has_it_still_answers(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", question="where do I keep my phone during "
                           "the school day", audience="staff")
    assert not answer.abstained
    assert "lockers" in answer.sources[0].text


@pytest.mark.parametrize(("question", "command"), [
    ("Jake's mum added me on FB", "friendrequest"),
    ("a year 6 girl keeps messaging me on tiktok", "friendrequest"),
    ("a pupil sent me a photo on snapchat", "report"),
    ("someone is bullying my daughter on whatsapp", "report"),
    ("can i scroll insta at lunch", None),
])
def test_questions_lead_to_the_bots_own_tools(question: str, command: str | None) -> None:
    offer = offer_for(question, staff=True)
    assert (offer.command if offer else None) == command
