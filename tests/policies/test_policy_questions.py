"""Accuracy on the dev questions and the held-out questions, scored as eval/score.py does.

A regression in the engine (vocabulary, thresholds, ingestion) fails here. The
held-out floors sit a little under the current scores: they catch regressions,
and are raised as the engine improves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.engine import AnswerEngine
from policies.evaluation import load_questions, score
from tests.policies.conftest import ROOT

DEV = ROOT / "eval" / "dev_questions.yaml"
QUESTIONS = ROOT / "tests" / "policies" / "questions"
VALIDATION = QUESTIONS / "validation.yaml"  # written independently of the FAQ files
FRESH = QUESTIONS / "fresh.yaml"  # written without reading the FAQ files or the engine
FRESH2 = QUESTIONS / "fresh2.yaml"  # likewise, later; never tuned on
HELD_OUT = sorted(path for path in QUESTIONS.glob("*.yaml")
                  if path not in (VALIDATION, FRESH, FRESH2))

@pytest.mark.parametrize(
    ("name", "paths", "min_accuracy", "min_abstain"),
    [
        ("dev", [DEV], 0.98, 0.97),
        ("held-out", HELD_OUT, 0.92, 0.89),
        ("validation", [VALIDATION], 0.96, 0.97),
        ("fresh", [FRESH], 0.85, 0.97),
        ("fresh2", [FRESH2], 0.84, 0.82),
    ],
)
def test_question_set(
    engine: AnswerEngine, name: str, paths: list[Path], min_accuracy: float, min_abstain: float
) -> None:
    questions = load_questions(paths)
    assert questions, f"no {name} questions"
    result = score(engine, questions)
    assert result.accuracy >= min_accuracy, f"{name}: {result}"
    assert result.abstention >= min_abstain, f"{name}: {result}"
