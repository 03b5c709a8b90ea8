"""An answer composed from a school's own clause, for a school with no FAQ entry on it.

It says what the clause requires, then the clause is quoted (as the answer's
source). A permission question ("can I...", "is it ok...") gets the yes or no the
rule gives, never "No." before a rule that allows it.
"""

from __future__ import annotations

import re

from policies.documents import Clause

__all__ = ["compose", "polarity"]

_NEGATIVE = re.compile(
    r"\b(?:must not|mustn't|should not|shouldn't|shall not|will not|won't|may not|cannot|"
    r"can not|never|do not|does not|don't|not (?:permitted|allowed|acceptable|advisable|"
    r"considered acceptable|to)|is not|are not|no longer|under no circumstances)\b",
    re.IGNORECASE,
)
_PERMISSIVE = re.compile(r"\b(?:may|can|are free to|is permitted|are permitted|is allowed|"
                         r"are allowed|do not want to prevent)\b", re.IGNORECASE)
MAX_RESTATED = 320  # characters of the clause said back before it is quoted in full


def polarity(clause: Clause) -> str:
    """``"no"`` when the rule forbids (or sits in a "DO NOT" list), ``"yes"`` when it
    allows, ``""`` when it only says how (an obligation, a fact)."""
    if clause.lead_in and _NEGATIVE.search(clause.lead_in):
        return "yes" if _NEGATIVE.search(clause.text) else "no"  # "do not ... do not" reads odd
    if _NEGATIVE.search(clause.text):
        return "no"
    if _PERMISSIVE.search(clause.text):
        return "yes"
    return ""


def compose(clause: Clause, *, permission: bool) -> str:
    """What the clause requires, in a sentence, led by Yes/No for a permission question."""
    verdict = {"no": "No. ", "yes": "Yes. "}.get(polarity(clause), "") if permission else ""
    text = clause.text if len(clause.text) <= MAX_RESTATED else _first_sentence(clause.text)
    if clause.lead_in:
        lead = re.sub(r"\s*:\s*$", "", clause.lead_in)
        text = f"{lead}: {text[:1].lower()}{text[1:]}"
    return f"{verdict}The policy says: {text}"


def _first_sentence(text: str) -> str:
    found = re.match(r"(.{40,}?[.;])\s", text)
    return found.group(1) if found else text[:MAX_RESTATED].rsplit(" ", 1)[0] + "…"
