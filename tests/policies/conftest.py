"""Fixtures for the answer engine tests: the five sample schools, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.engine import AnswerEngine, PolicySource

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
SLUGS = ("st-lukes", "croughton", "lancastrian", "sharp-lane", "marston-montgomery")
NAMES = {
    "st-lukes": "St Luke's Primary School",
    "croughton": "Croughton All Saints CE Primary School",
    "lancastrian": "Lancastrian Infant School",
    "sharp-lane": "Sharp Lane Primary School",
    "marston-montgomery": "Marston Montgomery Primary School",
}


def sample_sources() -> list[PolicySource]:
    return [
        PolicySource(
            slug=slug,
            name=NAMES[slug],
            policy_paths=(POLICIES / "samples" / f"{slug}.txt",),
            faq_path=POLICIES / "faq" / f"{slug}.yaml",
        )
        for slug in SLUGS
    ]


@pytest.fixture(scope="session")
def engine() -> AnswerEngine:
    """The engine over the five sample schools and their FAQ files."""
    return AnswerEngine.build(sample_sources())
