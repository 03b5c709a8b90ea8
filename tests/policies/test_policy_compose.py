"""An answer composed from a clause gives the rule's yes or no, then what it says."""

from __future__ import annotations

import pytest

from policies.compose import compose, polarity
from policies.documents import Clause


@pytest.mark.parametrize(("text", "lead_in", "expected"), [
    ("Teachers may use social media during their break times in private.", "", "yes"),
    ("Members of staff should not use social media in front of pupils.", "", "no"),
    ("Accept friend requests from pupils under any circumstances.",
     "staff should follow these guidelines in which they DO NOT:", "no"),
    ("Staff should use the privacy settings available.", "", ""),
])
def test_polarity(text: str, lead_in: str, expected: str) -> None:
    assert polarity(Clause("S", text, 0, lead_in)) == expected


def test_a_permission_question_gets_the_rules_yes() -> None:
    clause = Clause("S", "Teachers may use social media during their break times.", 0)
    assert compose(clause, permission=True).startswith("Yes. The policy says: Teachers may")
    assert compose(clause, permission=False).startswith("The policy says: Teachers may")
