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
- who to tell, where the rule says nothing about telling anyone;
- an activity run or held ("can the PTA run a raffle on facebook?"), where the rule
  never names it: being on social media does not make a raffle the policy's business;
- taking a photo or a film ("can I film the nativity?"), where the rule is only about
  publishing them: a rule on posting photos does not say whether one may take them.

:func:`mismatch` names the first of these that fails, or returns ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from policies.vocabulary import DOMAIN, GENERIC, PLATFORMS, STOP_WORDS, terms

__all__ = ["mismatch"]

# What kind of quantity a question asks for, and how a rule would state one.
_AGE = re.compile(r"\b(?:how old|(?:at )?what age|which age|age limit|minimum age|old enough)\b",
                  re.IGNORECASE)
_AGE_STATED = re.compile(
    r"\b(?:under|over|aged?|age of)\s+(?:the age of\s+)?\d{1,2}\b|\b\d{1,2}\s*(?:\+|years? old|"
    r"or (?:over|older|above))", re.IGNORECASE)
_SPAN = re.compile(
    r"\b(?:how (?:long|soon|quickly|much time)|how many (?:days|weeks|hours|months|minutes)|"
    r"within how|by when)\b", re.IGNORECASE)
_SPAN_STATED = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|ten|twelve|twenty|thirty)\s*(?:hours?|days?|"
    r"weeks?|months?|years?|minutes?)\b|\b(?:immediately|first available opportunity|in advance|"
    r"as soon as|straight away|within|without delay|promptly)\b", re.IGNORECASE)
_COUNT = re.compile(r"\bhow (?:many|often)\b", re.IGNORECASE)
_COUNT_STATED = re.compile(
    r"\b(?!(?:19|20)\d\d\b)\d+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|once|"
    r"twice|daily|weekly|monthly|annual(?:ly)?|every)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(?:what date|which date|what year)\b",
                   re.IGNORECASE)
_DATE_STATED = re.compile(
    r"\b(?:(?:19|20)\d\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|\d{1,2}[:.]\d\d|"
    r"\d{1,2}\s*(?:am|pm))\b", re.IGNORECASE)
_QUANTITIES = ((_AGE, _AGE_STATED), (_SPAN, _SPAN_STATED), (_COUNT, _COUNT_STATED),
               (_DATE, _DATE_STATED))
# "Is there a PTA group?", "does the school have an Instagram?": the rule must name the
# platform itself, not list others "such as".
_EXISTS = re.compile(
    r"\b(?:is there|are there|does (?:the |our )?school (?:have|run|use)|has (?:the |our )?school "
    r"got|do (?:you|we|they) (?:have|run)|have (?:you|we) got) (?:an? |any |its own )?(?:[\w']+ )"
    r"{0,3}?(?:group|page|account|chat|channel|feed|profile|facebook|instagram|insta|twitter|"
    r"whatsapp|tiktok|youtube|snapchat)s?\b", re.IGNORECASE)
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
# Something organised, asked leave for: "can the PTA run a raffle", "are we allowed to hold
# a cake sale", "is it ok to advertise the school disco".
_ACTIVITY = re.compile(
    r"\b(?:can|could|may|should|shall|allowed to|ok to|okay to|fine to)(?: [\w'-]+){0,3}? "
    r"(?:run|hold|host|organi[sz]e|advertise|promote|sell) (?:a|an|the|our|their|some|my) "
    r"((?:[\w'-]+ ){0,2}?[\w'-]+)(?= (?:on|through|via|using|in|over|with|for|at)\b|[?.!,]|$)",
    re.IGNORECASE,
)
# Taking photos or films, as against publishing them.
_CAPTURE_ASKED = re.compile(
    r"\b(?:tak(?:e|ing)|snap\w*) (?:a |some |any )?(?:photos?|pictures?|pics?|videos?|footage|"
    r"selfies?|photographs?)\b|\b(?:film|filming|record|recording|video|videoing|photograph|"
    r"photographing)(?! of)(?= (?:my|our|the|a|an|their|his|her|it|them|this|that|assembly|"
    r"sports|nativity|concert|play|school|class)\b)",
    re.IGNORECASE,
)
_PUBLISHING = re.compile(
    r"\b(?:post\w*|shar\w*|upload\w*|publish\w*|put\w* (?:\w+ )?(?:on|online|up)|online|"
    r"social media|live ?stream\w*|stream\w*|send\w*|story|stories|group chat)\b",
    re.IGNORECASE,
)
_CAPTURE_STATED = re.compile(
    r"\b(?:tak(?:e|es|en|ing)|took)\b(?: [\w'-]+){0,3}? (?:photo\w*|pictures?|images?|videos?|"
    r"films?|footage)|\b(?:film(?:s|ed|ing)|record(?:ed|ing)|photograph(?:ed|ing)|"
    r"video(?:ed|ing)|captur\w*|cameras?)\b",
    re.IGNORECASE,
)
_PUPIL_WORDS = re.compile(r"\b(?:pupils?|child(?:ren)?|students?|kids?)\b", re.IGNORECASE)
_WHO_TO_TELL = re.compile(
    r"\bwho (?:do|should|must|shall|can) (?:i|we) (?:tell|inform|report|go to|speak to|talk to)"
    r"|\bwho (?:to|should i) (?:tell|report|inform)\b|\bwho do i report\b"
    r"|\b(?:how|where) (?:do|should|can|would) (?:i|we) (?:report|tell|inform|let \w+ know)\b",
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
    for asked, answered in _QUANTITIES:
        if asked.search(question) and not answered.search(rule_text):
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
    if named and _EXISTS.search(question) and not named <= stated:
        return "platform"
    if _PUPIL_ACTOR.search(question) and not _PUPIL_WORDS.search(_subject(rule_text)):
        return "subject"
    if _WHO_TO_TELL.search(question) and not _TELLING.search(rule_text):
        return "report"
    if _unnamed_activity(question, rule_terms):
        return "activity"
    if _capture_only(question, query) and not _CAPTURE_STATED.search(rule_text):
        return "capture"
    return None


def _capture_only(question: str, query: Collection[str]) -> bool:
    """Whether the question asks about taking photos or films and not about putting them
    anywhere (a platform named counts as putting them there)."""
    return (bool(_CAPTURE_ASKED.search(question)) and not _PUBLISHING.search(question)
            and not any(term in PLATFORMS for term in query))


def _unnamed_activity(question: str, rule_terms: Collection[str]) -> bool:
    """Whether the question asks about running something (a raffle, a sale) that is no
    social media thing and that the rule never names."""
    for found in _ACTIVITY.finditer(question):
        named = terms(found.group(1))
        if any(term in DOMAIN for term in named):
            continue  # "run a class twitter", "host a live stream": social media itself
        key = [term for term in named if term not in GENERIC and term not in STOP_WORDS]
        if key and not any(term in rule_terms for term in key):
            return True
    return False


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
