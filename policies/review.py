"""Questions about the policy's own dates ("when is the policy due for review?").

They are answered from one source, the same one ``/ackstatus`` and the review
reminders use (:func:`policies.metadata.review_date`: the school config's
``next_review`` over the document's), never from an FAQ entry that may quote an
old date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from policies.answer import Answer, Source
from policies.documents import Clause, PolicyDocument

__all__ = ["asks_review_date", "review_answer"]

_REVIEW_QUESTION = re.compile(
    r"\b(?:(?:next|last) review|review date|due (?:for |a )?(?:a )?review|reviewed|"
    r"polic(?:y|ies) (?:\w+ )?(?:up[\s-]?to[\s-]?date|out[\s-]?of[\s-]?date|updated|current)|"
    r"when (?:is|was|does|will) (?:the |this |our )?(?:social media )?(?:policy|it) (?:\w+ )?"
    r"(?:reviewed|updated|written|approved|renewed|checked|revised|looked at again|"
    r"gone over again|redone)|"
    r"how old is (?:the |this |our )?(?:social media )?policy|latest version)\b",
    re.IGNORECASE,
)
_NEXT_REVIEW = re.compile(r"next\s+review|review\s+date", re.IGNORECASE)
_REVIEW_LINE = re.compile(r"review", re.IGNORECASE)


def asks_review_date(question: str) -> bool:
    return bool(_REVIEW_QUESTION.search(question))


def review_answer(
    name: str, documents: Sequence[PolicyDocument], due: date | None
) -> Answer:
    """The review date, quoting the document's own line when it states that date."""
    if due is None:
        return Answer(
            f"The {name} social media policy doesn't give a next review date. Please ask the "
            "Headteacher.", True, 0.4)
    title = documents[0].title
    line = _stated_line(documents, due)
    when = f"{due.day} {due:%B %Y}"
    if line is None:
        return Answer(f"The policy is next due for review on {when} (the date the school has "
                      "set).", False, 0.95)
    return Answer(f"The policy is next due for review in {due:%B %Y}.", False, 0.95,
                  (Source(title, REVIEW_SECTION, line.text),))


#: A review line belongs to the policy's dates, not to whichever heading happens to
#: come before it (Croughton's is under "Staff")
REVIEW_SECTION = "Policy dates"


def _stated_line(documents: Sequence[PolicyDocument], due: date) -> Clause | None:
    """The document's own review line, when the document states ``due`` (the config may
    have set another date: then no line of the policy says it)."""
    for document in documents:
        if document.next_review != due:
            continue
        notes = [clause for clause in document.extras if clause.kind == "note"]
        for pattern in (_NEXT_REVIEW, _REVIEW_LINE):
            found = [clause for clause in notes if pattern.search(clause.text)]
            if found:
                return found[-1]
    return None
