"""Which of the bot's own tools a question leads to.

When a question describes something the policy says to report or log ("a parent
added me", "a pupil sent me a photo", "someone is bullying a child online"), the
answer ends by offering the command that does it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from policies.vocabulary import terms

__all__ = ["Offer", "offer_for"]


@dataclass(frozen=True, slots=True)
class Offer:
    command: str  # without the slash
    label: str
    sentence: str


FRIEND_REQUEST = Offer("friendrequest", "Log the friend request",
                       "You can log it privately for the Headteacher with /friendrequest.")
REPORT = Offer("report", "Report it privately",
               "You can tell the right person privately with /report.")
_CONCERNS = frozenset({"bully", "threat", "inappropriate", "illegal", "coerce", "racist",
                       "allegation", "fraud", "dsl"})
_PEOPLE = frozenset({"pupil", "parent", "ex"})


_CONTACTED = re.compile(
    r"\b(?:added|adding|followed|following|requested|messag\w*|contacted|contacting|friended|"
    r"dm'?d|dming|texted|texting|tagged|sent|sends|sending|invited|calling|called|rang) me\b"
    r"|\bfriend requests? from\b|\brequests? from (?:a |one of )?",
    re.IGNORECASE,
)


def offer_for(question: str, *, staff: bool) -> Offer | None:
    """The tool a question leads to, if any: staff log contact from pupils and parents
    (a friend request, a message); a photo from a pupil, or any concern, is reported."""
    return _offer(set(terms(question)), bool(_CONTACTED.search(question)), staff=staff)


def _offer(found: Collection[str], contacted: bool, *, staff: bool) -> Offer | None:
    if contacted and "pupil" in found and "photo" in found:
        return REPORT
    if staff and contacted and not _PEOPLE.isdisjoint(found):
        return FRIEND_REQUEST
    if not _CONCERNS.isdisjoint(found):
        return REPORT
    return None
