"""Matching a question to the Headteacher's kept guidance, and how it is shown."""

from __future__ import annotations

import datetime as dt

from policies.guidance import Guidance, match, render

KEPT = Guidance(7, "how do I book the minibus for a trip to the zoo?", "Ask the office.",
                "S. Smith", dt.date(2026, 3, 3))


def test_the_same_question_in_other_words_matches() -> None:
    assert match("can I book the minibus for the zoo trip", [KEPT]) == KEPT


def test_a_question_sharing_one_word_does_not() -> None:
    assert match("how do I book a parents evening slot", [KEPT]) is None
    assert match("can I friend a parent?", [KEPT]) is None


def test_guidance_is_attributed_dated_and_not_the_policy() -> None:
    text = render(KEPT, "Croughton All Saints CE Primary School")
    assert "the Headteacher (S. Smith) answered it on 3 March 2026" in text
    assert text.endswith("(This is school guidance, not part of the policy.)")
