"""A draft FAQ file for a school's policy, for a person to review (``policybot faq draft``).

One entry per rule clause: the questions people ask about the same rule at the
schools whose FAQs ship with PolicyBot (:mod:`policies.knowledge`), a suggested
answer composed from the clause (:mod:`policies.compose`) and the clause itself,
verbatim, as the citation. The file is in the format ``policies/faq/README.md``
describes and loads as it is; a reviewer edits the answers, adds the questions
their school asks, and deletes what is not worth an entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from policies.answer import Audience
from policies.compose import compose
from policies.documents import Clause, PolicyDocument
from policies.knowledge import Knowledge
from policies.vocabulary import STOP_WORDS

__all__ = ["draft_faq"]

MAX_QUESTIONS = 12
ID_WORDS = 5

HEADER = """\
# DRAFT FAQ for {name}, written by `policybot faq draft` from {policy}.
# Review every entry before use: the questions were learnt from other schools'
# FAQs and the answers restate the clause. Edit the answers into plain advice,
# add the questions your staff and parents ask, and delete entries not worth
# keeping. Format: policies/faq/README.md.
"""


def draft_faq(
    *, school: str, name: str, documents: Sequence[PolicyDocument], knowledge: Knowledge
) -> str:
    """The draft FAQ file's text (YAML with a header comment)."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for document in documents:
        for clause in document.clauses:
            entries.append(_entry(clause, knowledge.borrow(clause, exclude=school), seen))
    body = yaml.safe_dump({"school": school, "entries": entries}, sort_keys=False,
                          allow_unicode=True, width=88)
    policy = ", ".join(str(d.path.name) if d.path else d.title for d in documents)
    return HEADER.format(name=name, policy=policy) + body


def _entry(clause: Clause, lessons: Sequence[Any], seen: set[str]) -> dict[str, Any]:
    questions = list(dict.fromkeys(
        question for borrowed in lessons for question in borrowed.lesson.questions
    ))[:MAX_QUESTIONS] or [_plain_question(clause)]
    audiences = clause.audiences or frozenset(Audience)
    return {
        "id": _unique_id(clause.text, seen),
        "audience": sorted(audience.value for audience in audiences),
        "questions": questions,
        "answer": compose(clause, permission=False),
        "cite": [clause.text],
    }


def _plain_question(clause: Clause) -> str:
    """A placeholder for the reviewer to replace: the clause's first words, as a question."""
    words = clause.text.rstrip(".;:").split()
    return f"What does the policy say about \"{' '.join(words[:8])}\"?"


def _unique_id(text: str, seen: set[str]) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS]
    base = "-".join(words[:ID_WORDS]) or "rule"
    candidate, number = base, 2
    while candidate in seen:
        candidate, number = f"{base}-{number}", number + 1
    seen.add(candidate)
    return candidate
