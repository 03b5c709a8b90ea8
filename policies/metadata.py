"""Find a policy's title, approval date and next review date in its own words.

Policies state dates in running text ("Next review date: January 2026"), in
key/value tables ("Review Date<TAB>November 2023") and in column tables whose
values run down several rows ("Next Review Date" over "Jan" over "2026").
Month-only dates become the first of the month; school terms become the month
the term starts (Autumn: September, Spring: January, Summer: April).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

__all__ = ["date_label", "find_approved_label", "find_dates", "find_school_name",
           "parse_date", "review_date", "table_labels"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_TERMS = {"autumn": 9, "spring": 1, "summer": 4}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
_TERM = r"(?:autumn|spring|summer)(?:\s+term)?"
DATE_PATTERN = (
    rf"(?:\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}"
    rf"|(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_TERM},?\s+\d{{4}}"
    rf"|(?<!\d)(?:19|20)\d{{2}}(?!\d))"
)
_DATE_RE = re.compile(DATE_PATTERN, re.IGNORECASE)
_LABEL_DATE = re.compile(
    r"(?P<label>next\s+review(?:\s+date)?|review\s+date|date\s+of\s+(?:next\s+)?review"
    r"|(?:to|will|is\s+due\s+to)\s+be\s+reviewed(?:\s+(?:in|on|by))?|review\s+due"
    r"|date\s+approved|approved(?:\s+by\s+(?:the\s+)?[a-z]+)?(?:\s+on)?|adopted(?:\s+on)?"
    r"|ratified(?:\s+on)?|last\s+reviewed|reviewed(?:\s+on)?|updated|created|date)"
    rf"\s*[:\-\u2013\t]?\s*(?P<date>{DATE_PATTERN})",
    re.IGNORECASE,
)
_SCHOOL = re.compile(
    r"\b((?:[A-Z][A-Za-z'\u2019.]*\s){1,4}"
    r"(?:Primary|Infant|Infants|Junior|Nursery|First|Middle|High|Secondary|C\.?E\.?|C of E)"
    r"(?:\s(?:Primary|Junior|Academy))?\s(?:School|Academy))"
)


def parse_date(text: str) -> date | None:
    """Parse the first date in ``text`` (UK day/month order), or ``None``."""
    found = _DATE_RE.search(text)
    if found is None:
        return None
    value = found.group(0).lower().replace(",", " ")
    if numeric := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", value):
        day, month, year = (int(part) for part in numeric.groups())
        return _safe_date(year + 2000 if year < 100 else year, month, day)
    year = int(re.findall(r"\d{4}", value)[-1])
    for word in re.findall(r"[a-z]+", value):
        if word in _TERMS:
            return _safe_date(year, _TERMS[word], 1)
        if word[:3] in _MONTHS:
            day_match = re.match(r"\d{1,2}", value)
            day_of_month = int(day_match.group(0)) if day_match else 1
            return _safe_date(year, _MONTHS[word[:3]], day_of_month)
    return _safe_date(year, 1, 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _kind(label: str) -> str:
    label = " ".join(label.lower().split())
    if label.startswith(("last reviewed", "reviewed")):
        return "reviewed"
    if "review" in label:
        return "next_review"
    if label.startswith(("date approved", "approv", "adopt", "ratif")):
        return "approved"
    return "stated"  # "updated", "created", "date": when the document was last signed off


def date_label(text: str) -> str | None:
    """A stated date as a person would say it back: ``1 January 2024`` when the day is
    given, ``January 2024`` when only the month is, ``Spring 2025`` for a term, ``2024``
    for a year alone."""
    found = parse_date(text)
    matched = _DATE_RE.search(text)
    if found is None or matched is None:
        return None
    value = matched.group(0).lower()
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", value) or re.match(r"\d{1,2}\b", value):
        return f"{found.day} {found:%B %Y}"
    words = re.findall(r"[a-z]+", value)
    term = next((w for w in words if w in _TERMS), None)
    if term is not None:
        return f"{term.title()} {found:%Y}"
    if any(word[:3] in _MONTHS for word in words):
        return f"{found:%B %Y}"
    return f"{found:%Y}"


def find_approved_label(statements: Iterable[str]) -> str | None:
    """How the approval date :func:`find_dates` chose is stated (see :func:`date_label`)."""
    found: dict[str, list[tuple[date, str]]] = {}
    for statement in statements:
        for match in _LABEL_DATE.finditer(statement):
            parsed, label = parse_date(match.group("date")), date_label(match.group("date"))
            if parsed is not None and label is not None:
                found.setdefault(_kind(match.group("label")), []).append((parsed, label))
    approved = found.get("approved") or found.get("reviewed") or found.get("stated") or []
    return max(approved)[1] if approved else None


def find_dates(statements: Iterable[str]) -> tuple[date | None, date | None]:
    """``(approved, next_review)`` from label/date statements.

    ``approved`` falls back to the latest "reviewed"/"updated"/"date" statement
    when no approval is stated; ``next_review`` is the latest one stated.
    """
    found: dict[str, list[date]] = {}
    for statement in statements:
        for match in _LABEL_DATE.finditer(statement):
            parsed = parse_date(match.group("date"))
            if parsed is not None:
                found.setdefault(_kind(match.group("label")), []).append(parsed)
    approved = found.get("approved") or found.get("reviewed") or found.get("stated") or []
    next_review = found.get("next_review") or []
    return (max(approved) if approved else None, max(next_review) if next_review else None)


def table_labels(rows: Sequence[Sequence[str]]) -> list[str]:
    """Turn one table into ``"label: value"`` statements.

    A table whose first column holds dates below a header row is read by
    columns (header over values, values possibly running down several rows);
    a table of two-cell rows is key/value pairs; anything else by columns.
    """
    dated_column = any(parse_date(row[0]) for row in rows[1:] if row)
    pairs = all(len([c for c in row if c]) <= 2 and row and row[0] for row in rows)
    if pairs and not dated_column:
        return [f"{row[0]}: {' '.join(c for c in row[1:] if c)}" for row in rows]
    header, body = rows[0], rows[1:]
    statements = []
    for column, label in enumerate(header):
        cells = [row[column] for row in body if column < len(row) and row[column]]
        if label and cells:
            statements.append(f"{label}: {' '.join(cells)}")
    return statements


def find_school_name(text: str) -> str | None:
    """The school's name as the policy most often writes it ("Sharp Lane Primary School")."""
    names = Counter(match.group(1).strip() for match in _SCHOOL.finditer(text))
    if not names:
        return None
    return names.most_common(1)[0][0]


def review_date(configured: date | None, stated: date | None) -> date | None:
    """The policy's next review date, from one rule everywhere (``/ackstatus``, reminders,
    ``/policy``): the school config's ``next_review`` over the date the document states."""
    return configured or stated
