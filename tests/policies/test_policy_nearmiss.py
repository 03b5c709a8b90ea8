"""Near-misses abstain; other languages are told so; answers agree with their rule."""

from __future__ import annotations

import pytest

from policies.engine import AnswerEngine
from policies.language import NOT_ENGLISH
from policies.offers import offer_for


@pytest.mark.parametrize(("school", "question"), [
    ("croughton", "can pupils bring their own phones into school?"),
    ("croughton", "how old do kids have to be for whatsapp"),  # a date is no age
    ("croughton", "whats the DSL's phone number"),
    ("marston-montgomery", "when is sports day"),
    ("marston-montgomery", "does the school have a facebook page"),
    ("st-lukes", "is there a PTA whatsapp group"),
    ("lancastrian", "how do i report a parent's friend request to the head"),
    ("croughton", "how many days do i have to report a friend request from a parent"),
    ("lancastrian", "what age can children join facebook?"),
    ("marston-montgomery", "who keeps the password for the school twitter"),
    ("sharp-lane", "where do I keep my phone during the school day"),
])
def test_a_rule_without_the_key_thing_asked_abstains(
    engine: AnswerEngine, school: str, question: str
) -> None:
    assert engine.answer(school=school, question=question, audience="staff").abstained


@pytest.mark.parametrize(("school", "audience", "question"), [
    ("croughton", "parent", "can i film the nativity on my phone"),
    ("sharp-lane", "parent", "can I take photos at the christmas concert"),
    ("lancastrian", "parent", "can I film my child in the nativity play"),
])
def test_taking_photos_is_not_answered_from_a_rule_on_publishing_them(
    engine: AnswerEngine, school: str, audience: str, question: str
) -> None:
    """A rule on posting photos does not say whether one may take them."""
    assert engine.answer(school=school, question=question, audience=audience).abstained


@pytest.mark.parametrize(("school", "question", "rule"), [
    ("croughton", "can i take pics of the class and put them on the school facebook",
     "Staff must not publish photographs of children"),
    ("st-lukes", "can I take photos of my son at sports day",
     "We do not want to prevent parents taking photographs"),
])
def test_taking_photos_to_publish_or_a_rule_on_taking_them_is_answered(
    engine: AnswerEngine, school: str, question: str, rule: str
) -> None:
    answer = engine.answer(school=school, question=question, audience="parent")
    assert not answer.abstained
    assert any(source.text.startswith(rule) for source in answer.sources), answer.sources


@pytest.mark.parametrize("school", ["croughton", "lancastrian", "sharp-lane", "st-lukes"])
@pytest.mark.parametrize("audience", ["parent", "staff"])
def test_an_activity_the_policy_does_not_govern_abstains(
    engine: AnswerEngine, school: str, audience: str
) -> None:
    """Being on Facebook does not make a raffle the policy's business: "Yes. The school
    currently has a school Facebook platform" was no answer to it."""
    for question in ("can the PTA run a raffle on facebook",
                     "are we allowed to hold a cake sale on the school facebook page?"):
        assert engine.answer(school=school, question=question, audience=audience).abstained


def test_running_a_social_media_thing_is_still_the_policys(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", audience="staff",
                           question="can i run a class twitter account for my year 6s")
    assert not answer.abstained


@pytest.mark.parametrize("question", [
    "est-ce que je peux accepter un parent comme ami sur facebook ?",
    "kann ich fotos vom sportfest auf instagram posten?",
    "czy mogę napisać skargę na facebooku?",
])
def test_a_question_in_another_language_is_told_so(engine: AnswerEngine, question: str) -> None:
    answer = engine.answer(school="croughton", question=question, audience="parent")
    assert answer.abstained
    assert answer.answer == NOT_ENGLISH


def test_a_school_account_the_policy_names_is_answered(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", question="is there a whatsapp group for PTA "
                           "parents", audience="parent")
    assert "WhatsApp group for the PTA" in answer.sources[0].text


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


def test_a_permission_question_gets_the_yes_of_the_rule_for_its_circumstance(
    engine: AnswerEngine,
) -> None:
    answer = engine.answer(school="croughton", question="can i check insta at break?",
                           audience="staff")
    assert answer.answer.startswith("Yes")
    assert "break times" in answer.sources[0].text


def test_the_circumstance_the_rule_forbids_still_gets_no(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", audience="staff",
                           question="can i check insta at break in front of the kids?")
    assert answer.answer.startswith("No")


def test_being_on_duty_is_being_in_front_of_pupils(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", audience="staff",
                           question="im on lunchtime duty, can i quickly reply on facebook")
    assert "in front of pupils" in answer.sources[0].text


def test_a_parent_is_given_the_parents_rule_where_the_policy_has_one(
    engine: AnswerEngine,
) -> None:
    answer = engine.answer(school="marston-montgomery", audience="parent", question=(
        "there's a dad from school who keeps posting threatening stuff about the head on "
        "facebook"))
    assert answer.sources[0].text.startswith("Parents/carers should not post malicious")
    assert "doesn't set a rule for parents" not in answer.answer


def test_a_parent_asking_about_their_child_online_gets_the_parents_rule(
    engine: AnswerEngine,
) -> None:
    answer = engine.answer(school="sharp-lane", audience="parent", question=(
        "should i be keeping an eye on what my kid watches and posts on youtube"))
    assert answer.sources[0].text.startswith("It is the responsibility of parents")
