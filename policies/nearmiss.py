"""Near-misses: a matched rule that shares the question's words but not what it asks.

"Can pupils bring their own phones?" shares *phones* and *pupils* with "All mobile
phones will be stored in lockers" (a staff rule); "what age can children join
Facebook?" shares *Facebook* and *children* with a rule that states no age. However
many words match, the rule does not answer the question when the key thing asked
about is not in the rule's own text (its clauses, never the FAQ's questions):

- a number, age, date or length of time asked for ("how many", "what age", "how long");
- a thing the question turns on (a phone, a password, a list, a form...);
- a platform the question names, where the rule names other platforms and not it;
- who is asked about (pupils' own devices), where the rule is about someone else;
- who to tell, where the rule says nothing about telling anyone.

:func:`mismatch` names the first of these that fails, or returns ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from policies.vocabulary import PLATFORMS

__all__ = ["mismatch"]

_QUANTITY = re.compile(
    r"\b(?:how (?:many|much time|long|often|soon|old|quickly|far)|(?:at )?what age|"
    r"which age|age limit|minimum age|how many (?:days|weeks|times|warnings)|what time|"
    r"within how|by when|what date|which date|what year)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|eighteen|twenty|thirty|hours?|days?|weeks?|months?|years?|"
    r"annual(?:ly)?|immediately|first available opportunity|in advance|before|after)\b",
    re.IGNORECASE,
)
# Things a question can turn on: when it names one, the rule must name it too.
KEY_THINGS = frozenset({"password", "logo", "list"})
# A phone is the thing asked about when it is kept, used or brought, not when it is only
# the way onto social media ("check fb on my phone").
_PHONE_OBJECT = re.compile(
    r"\b(?:keep|store|put|leave|bring|have|carry|charge|use|using)\w* (?:my |their |his |her |"
    r"our |the |your )?(?:own )?(?:mobile |smart ?)?(?:phones?|mobiles?)\b(?! to\b)",
    re.IGNORECASE,
)
_GENERAL = re.compile(
    r"\b(?:any other|other social|such as|e\.g\.|etc|including|sites like|or other)\b",
    re.IGNORECASE,
)
# The question is about what pupils (a child, my son) may do or own, not what staff may do.
_PUPIL_ACTOR = re.compile(
    r"\b(?:can|may|could|should|are|is) (?:my |our |the |a )?"
    r"(?:son|daughter|child|children|kids?|pupils?|students?)(?:'s)? (?:\w+ )?"
    r"(?:bring|use|have|take|go|join|access|get|play|be allowed|allowed|open|set)\b"
    r"|\b(?:pupils?|children|kids|students)'?s? (?:own )?(?:phones?|mobiles?|devices?|"
    r"tablets?|ipads?|accounts?)\b"
    r"|\b(?:my|our) (?:son|daughter|child|kid)'?s? (?:own )?(?:phone|mobile|device|tablet|"
    r"ipad|account)\b",
    re.IGNORECASE,
)
_PUPIL_WORDS = re.compile(r"\b(?:pupils?|child(?:ren)?|students?|kids?)\b", re.IGNORECASE)
_WHO_TO_TELL = re.compile(
    r"\bwho (?:do|should|must|shall|can) (?:i|we) (?:tell|inform|report|go to|speak to|talk to)"
    r"|\bwho (?:to|should i) (?:tell|report|inform)\b|\bwho do i report\b",
    re.IGNORECASE,
)
_TELLING = re.compile(
    r"\b(?:report\w*|tell|told|inform\w*|refer\w*|made aware|notif\w*|raise\w*|speak\w* to|"
    r"contact the|pass\w* on to)\b",
    re.IGNORECASE,
)


def mismatch(question: str, query: Collection[str], rule_text: str,
             rule_terms: Collection[str]) -> str | None:
    """Why the rule (``rule_text``, its terms ``rule_terms``) does not answer ``question``
    (its terms ``query``), or ``None`` when nothing key is missing."""
    if _QUANTITY.search(question) and not _NUMBER.search(rule_text):
        return "quantity"
    missing = [term for term in query if term in KEY_THINGS and term not in rule_terms]
    if missing:
        return f"key:{missing[0]}"
    if _PHONE_OBJECT.search(question) and "phone" not in rule_terms:
        return "key:phone"
    named = {term for term in query if term in PLATFORMS}
    stated = {term for term in rule_terms if term in PLATFORMS}
    if named and stated and named.isdisjoint(stated) and not _GENERAL.search(rule_text):
        return "platform"
    if _PUPIL_ACTOR.search(question) and not _PUPIL_WORDS.search(_subject(rule_text)):
        return "subject"
    if _WHO_TO_TELL.search(question) and not _TELLING.search(rule_text):
        return "report"
    return None


_MODAL = re.compile(
    r"\b(?:must|should|shall|will|may|can|cannot|are asked|is expected|are expected|"
    r"are advised|is not|are not|do not|does not|never)\b",
    re.IGNORECASE,
)


def _subject(rule_text: str) -> str:
    """Who a rule is about: the words before its first modal verb ("All mobile phones")
    and, for a rule phrased around its object ("The use of ..."), the whole rule."""
    found = _MODAL.search(rule_text)
    return rule_text[: found.start()] if found and found.start() > 0 else rule_text
