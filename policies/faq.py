"""Load and validate a school's FAQ file (format: ``policies/faq/README.md``).

Every rule the README states is checked when the file loads, and a failure is
a :class:`~policies.errors.FaqError` naming the file, the entry and what is
wrong, so a typo in a quote is caught at start-up rather than in a chat.

A quote is looked up in the policy's rule clauses first, then in its headings,
date lines and tables (``PolicyDocument.extras``): an entry about the review
date may quote "Next review date: January 2026".

A quote that is no longer in the policy is not the FAQ author's mistake but a
policy update (new review dates, a reworded rule): the entry is switched off
(:attr:`Faq.stale`), its questions fall back to the rest of the index, and the
bot keeps running; ``config check`` and the Headteacher's ``/gaps`` list it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from policies.answer import Audience
from policies.documents import Clause, PolicyDocument
from policies.errors import FaqError
from policies.text import fold

__all__ = ["Faq", "FaqEntry", "StaleEntry", "load_faq"]

MAX_CITES = 3
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FaqEntry:
    """One curated answer; ``sources`` are the whole clauses its quotes sit in, in cite order."""

    id: str
    audiences: frozenset[Audience]
    questions: tuple[str, ...]
    answer: str
    cites: tuple[str, ...]
    sources: tuple[Clause, ...]


@dataclass(frozen=True)
class StaleEntry:
    """An entry switched off because the policy no longer says what it quotes."""

    id: str
    reason: str  # "cite '...' is not in the policy" (or "spans more than one clause")


@dataclass(frozen=True)
class Faq:
    school: str
    path: Path
    entries: tuple[FaqEntry, ...]
    stale: tuple[StaleEntry, ...] = ()


def load_faq(
    path: Path, documents: Sequence[PolicyDocument], *, school: str | None = None
) -> Faq:
    """Read ``path`` and check it against the school's policy ``documents``."""
    path = Path(path)
    data = _read_yaml(path)
    expected = school or path.stem
    if data.get("school") != expected:
        raise FaqError(path, "", f"school is {data.get('school')!r}, expected {expected!r}")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise FaqError(path, "", "entries must be a non-empty list")
    finder = _ClauseFinder(documents)
    entries: list[FaqEntry] = []
    stale: list[StaleEntry] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_entries, start=1):
        entry = _entry(path, number, raw, finder)
        if entry.id in seen:
            raise FaqError(path, entry.id, "duplicate id")
        seen.add(entry.id)
        if isinstance(entry, StaleEntry):
            stale.append(entry)
        else:
            entries.append(entry)
    return Faq(expected, path, tuple(entries), tuple(stale))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FaqError(path, "", f"cannot read the file ({exc})") from exc
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise FaqError(path, "", f"not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise FaqError(path, "", "the file must be a mapping with 'school' and 'entries'")
    return data


def _strings(path: Path, entry: str, raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise FaqError(path, entry, f"{key} must be a non-empty list")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise FaqError(path, entry, f"{key} must hold only non-empty text")
    return tuple(item.strip() for item in value)


def _audiences(path: Path, entry: str, raw: Mapping[str, Any]) -> frozenset[Audience]:
    values = _strings(path, entry, raw, "audience")
    allowed = {a.value for a in Audience}
    bad = [value for value in values if value not in allowed]
    if bad:
        raise FaqError(path, entry, f"audience {bad[0]!r} is not one of {sorted(allowed)}")
    return frozenset(Audience(value) for value in values)


def _entry(
    path: Path, number: int, raw: object, finder: _ClauseFinder
) -> FaqEntry | StaleEntry:
    if not isinstance(raw, dict):
        raise FaqError(path, f"#{number}", "an entry must be a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        raise FaqError(path, f"#{number}", f"id {entry_id!r} must be kebab-case text")
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise FaqError(path, entry_id, "answer must be non-empty text")
    cites = _strings(path, entry_id, raw, "cite")
    if len(cites) > MAX_CITES:
        raise FaqError(path, entry_id, f"at most {MAX_CITES} cite quotes, found {len(cites)}")
    audiences = _audiences(path, entry_id, raw)
    questions = _strings(path, entry_id, raw, "questions")
    sources: list[Clause] = []
    for quote in cites:
        clause = finder.find(quote)
        if isinstance(clause, str):
            return StaleEntry(entry_id, f"cite {quote!r} {clause}")
        if clause not in sources:
            sources.append(clause)
    return FaqEntry(
        id=entry_id,
        audiences=audiences,
        questions=questions,
        answer=" ".join(answer.split()),
        cites=cites,
        sources=tuple(sources),
    )


class _ClauseFinder:
    """Finds the clause a quote sits in, comparing folded text."""

    def __init__(self, documents: Sequence[PolicyDocument]) -> None:
        self._clauses = [
            (fold(c.text), c) for d in documents for c in (*d.clauses, *d.extras)
        ]
        self._texts = [fold(d.text) for d in documents]
        self._texts += [" ".join(fold(c.text) for c in d.clauses) for d in documents]

    def find(self, quote: str) -> Clause | str:
        """The clause ``quote`` sits in, or why there is none."""
        folded = fold(quote)
        for text, clause in self._clauses:
            if folded in text:
                return clause
        if any(folded in t for t in self._texts):
            return "spans more than one clause"
        return "is not in the policy"
