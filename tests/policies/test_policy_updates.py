"""A routine policy update (new review dates) keeps the bot answering, with one review date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policies.engine import AnswerEngine, PolicySource
from tests.policies.conftest import NAMES, POLICIES

QUESTION = "when is the policy due for review"


def updated_croughton(tmp_path: Path) -> Path:
    """Croughton's policy with the review lines the reminder asks the Headteacher to write."""
    text = (POLICIES / "samples" / "croughton.txt").read_text(encoding="utf-8")
    text = text.replace("Reviewed: January 2024", "Reviewed: January 2026")
    text = text.replace("Next review date: January 2026", "Next review date: January 2028")
    path = tmp_path / "croughton.txt"
    path.write_text(text, encoding="utf-8")
    return path


def source(policy: Path, next_review: dt.date | None = None) -> PolicySource:
    return PolicySource("croughton", NAMES["croughton"], (policy,),
                        POLICIES / "faq" / "croughton.yaml", next_review)


def test_new_review_dates_switch_off_only_the_entries_quoting_the_old_ones(
    tmp_path: Path,
) -> None:
    engine = AnswerEngine.build([source(updated_croughton(tmp_path))])
    assert [entry.id for entry in engine.stale_entries("croughton")] == ["review-dates"]
    answer = engine.answer(school="croughton", question="can I friend a parent?",
                           audience="staff")
    assert not answer.abstained
    assert answer.sources


def test_the_review_date_is_the_new_one_and_quotes_the_new_line(tmp_path: Path) -> None:
    engine = AnswerEngine.build([source(updated_croughton(tmp_path))])
    answer = engine.answer(school="croughton", question=QUESTION, audience="parent")
    assert "January 2028" in answer.answer
    assert [s.text for s in answer.sources] == ["Next review date: January 2028"]
    assert engine.review_date("croughton") == dt.date(2028, 1, 1)


def test_the_configs_review_date_wins_and_no_old_line_is_quoted(tmp_path: Path) -> None:
    engine = AnswerEngine.build([source(POLICIES / "samples" / "croughton.txt",
                                        dt.date(2027, 3, 1))])
    answer = engine.answer(school="croughton", question=QUESTION, audience="staff")
    assert "1 March 2027" in answer.answer
    assert answer.sources == ()
    assert engine.review_date("croughton") == dt.date(2027, 3, 1)


@pytest.mark.parametrize("question", ["I left a bad review of the school on facebook",
                                      "can I review a restaurant on my instagram"])
def test_other_reviews_are_not_the_policy_review_date(engine: AnswerEngine,
                                                      question: str) -> None:
    answer = engine.answer(school="croughton", question=question, audience="parent")
    assert "due for review" not in answer.answer
