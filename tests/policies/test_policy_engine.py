"""The answer contract, abstention, audience awareness and bad input."""

from __future__ import annotations

import importlib
import time

import pytest

from policies.answer import MAX_SOURCES, Answer, Audience
from policies.engine import AnswerEngine, PolicySource
from policies.errors import PolicyFileError, QuestionError, UnknownSchool
from policies.text import fold
from tests.policies.conftest import POLICIES, SLUGS

QUESTIONS = [
    ("croughton", "staff", "Can I friend a parent on Facebook?"),
    ("st-lukes", "parent", "Can I post photos from the school play on Facebook?"),
    ("sharp-lane", "staff", "Can I accept a friend request from a former pupil?"),
    ("lancastrian", "staff", "Can I use my school email address for my personal blog?"),
    ("marston-montgomery", "staff", "What privacy settings should I use?"),
]


def ask(engine: AnswerEngine, school: str, question: str, audience: str = "staff") -> Answer:
    return engine.answer(school=school, question=question, audience=Audience(audience))


def test_schools(engine: AnswerEngine) -> None:
    assert engine.schools() == SLUGS
    assert engine.document("croughton").title.startswith("Croughton All Saints")


@pytest.mark.parametrize(("school", "audience", "question"), QUESTIONS)
def test_answer_contract(engine: AnswerEngine, school: str, audience: str, question: str) -> None:
    answer = ask(engine, school, question, audience)
    assert not answer.abstained
    assert 0.0 <= answer.confidence <= 1.0
    assert 1 <= len(answer.sources) <= MAX_SOURCES
    assert len({s.text for s in answer.sources}) == len(answer.sources)
    policy = fold(engine.document(school).text)
    for source in answer.sources:
        assert fold(source.text) in policy  # verbatim
        assert source.policy == engine.document(school).title
        assert source.section
    data = answer.to_json()
    assert set(data) == {"answer", "abstained", "confidence", "sources"}
    assert set(data["sources"][0]) == {"policy", "section", "text"}


@pytest.mark.parametrize(
    ("school", "question"),
    [
        ("croughton", "What time does school finish on Fridays?"),
        ("st-lukes", "How much are school dinners?"),
        ("lancastrian", "how do I reset my email password?"),
        ("sharp-lane", "what is the uniform policy for PE?"),
        ("marston-montgomery", "Where is the photocopier?"),
        ("croughton", "is there a breakfast club"),
        ("st-lukes", "who is the SENCO"),
    ],
)
def test_abstains_when_the_policy_is_silent(
    engine: AnswerEngine, school: str, question: str
) -> None:
    answer = ask(engine, school, question)
    assert answer.abstained
    assert answer.sources == ()
    assert "doesn't cover" in answer.answer
    assert "Headteacher" in answer.answer
    assert 0.0 <= answer.confidence < 0.5


def test_audience_picks_the_rule_for_that_chat(engine: AnswerEngine) -> None:
    question = "can I put photos of the nativity on facebook?"
    parent = ask(engine, "marston-montgomery", question, "parent")
    assert not parent.abstained
    assert "other than their own children" in parent.sources[0].text
    staff = ask(engine, "marston-montgomery", question, "staff")
    assert not staff.abstained
    assert "Headteacher\u2019s consent" in staff.sources[0].text


def test_same_question_other_school(engine: AnswerEngine) -> None:
    croughton = ask(engine, "croughton", "Can I accept a friend request from a pupil?")
    lancastrian = ask(engine, "lancastrian", "Can I accept a friend request from a pupil?")
    croughton_text = fold(engine.document("croughton").text)
    assert all(fold(s.text) in croughton_text for s in croughton.sources)
    assert "lancastrian" in lancastrian.sources[0].text.lower()


def test_vocabulary_and_typos(engine: AnswerEngine) -> None:
    plain = ask(engine, "croughton", "Can I accept a friend request from a parent on Facebook?")
    chat = ask(engine, "croughton", "jakes mum sent me a freind request on fb, can i accept")
    assert not chat.abstained
    assert {s.text for s in chat.sources} & {s.text for s in plain.sources}


def test_unknown_school(engine: AnswerEngine) -> None:
    with pytest.raises(UnknownSchool) as caught:
        ask(engine, "hogwarts", "Can I friend a parent?")
    assert caught.value.slug == "hogwarts"
    assert "croughton" in caught.value.known


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question(engine: AnswerEngine, question: str) -> None:
    with pytest.raises(QuestionError) as caught:
        ask(engine, "croughton", question)
    assert caught.value.reason == "empty"


def test_absurdly_long_question_is_refused(engine: AnswerEngine) -> None:
    with pytest.raises(QuestionError, match="too long"):
        ask(engine, "croughton", "a" * 100_001)


def test_long_question_is_answered_quickly(engine: AnswerEngine) -> None:
    question = "Can I friend a parent on Facebook? " + "blah " * 2000  # 10,000+ characters
    started = time.perf_counter()
    answer = ask(engine, "croughton", question)
    assert time.perf_counter() - started < 0.5
    assert not answer.abstained


@pytest.mark.parametrize(
    "question",
    [
        "\U0001f600\U0001f44d",
        "\u0645\u0631\u062d\u0628\u0627",
        "\u4f60\u597d\uff0c\u53ef\u4ee5\u5417",
        "???",
        "Can I friend a parent \U0001f914 on FB?",
    ],
)
def test_emoji_and_other_scripts_do_not_crash(engine: AnswerEngine, question: str) -> None:
    answer = ask(engine, "croughton", question)
    assert 0.0 <= answer.confidence <= 1.0
    if not any(ch.isascii() and ch.isalpha() for ch in question):
        assert answer.abstained


def test_audience_as_text(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", question="Can I friend a parent?", audience="staff")
    assert not answer.abstained
    with pytest.raises(ValueError, match="'teacher'"):
        engine.answer(school="croughton", question="Can I friend a parent?", audience="teacher")


def test_build_reports_the_bad_file(tmp_path: pytest.TempPathFactory) -> None:
    source = PolicySource("x", "X School", (POLICIES / "samples" / "missing.txt",), None)
    with pytest.raises(PolicyFileError, match=r"missing\.txt"):
        AnswerEngine.build([source])


def test_school_without_faq_answers_from_clauses() -> None:
    source = PolicySource("croughton", "Croughton", (POLICIES / "samples" / "croughton.txt",))
    engine = AnswerEngine.build([source])
    answer = ask(engine, "croughton", "Where are the school social media passwords kept?")
    assert not answer.abstained
    assert answer.answer.startswith("The policy says")
    assert "passwords would be kept securely by the Headteacher" in answer.sources[0].text
    # a permission question gets the rule's yes or no before it
    answer = ask(engine, "croughton", "can i check insta at break?")
    assert answer.answer.startswith("Yes. The policy says")
    assert "break times" in answer.sources[0].text
    answer = ask(engine, "croughton", "can i accept a friend request from a parent?")
    assert answer.answer.startswith("No. The policy says")


@pytest.mark.parametrize(
    "module",
    ["policies.documents", "policies.engine", "policies.errors", "policies.faq",
     "policies.readers", "policies.retrieval", "policies.text", "policies.vocabulary",
     "policies.metadata"],
)
def test_exported_members(module: str) -> None:
    imported = importlib.import_module(module)
    exported = imported.__all__
    assert sorted(exported) == sorted(set(exported))
    for name in exported:
        assert hasattr(imported, name), name


def test_parents_are_not_told_staff_rules_as_their_own(engine: AnswerEngine) -> None:
    answer = engine.answer(school="croughton", question="can I post photos of my child at "
                           "sports day?", audience=Audience.PARENT)
    assert not answer.answer.startswith("No.")
    assert answer.abstained or answer.answer.startswith("The policy doesn't set a rule for parents")


def test_school_admin_with_no_social_media_in_it_abstains(engine: AnswerEngine) -> None:
    for question in ("what is the lunch menu?", "is the lunch menu online yet"):
        assert engine.answer(school="croughton", question=question,
                             audience=Audience.STAFF).abstained, question
