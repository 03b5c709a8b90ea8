"""A school policy as clauses: load .txt, .md, .docx or .pdf into a PolicyDocument.

A clause is one rule, bullet or paragraph, quoted verbatim (list markers and
markdown emphasis aside) with the heading it sits under. The title, approval
date and next review date are taken from the document where it states them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from policies.answer import Audience
from policies.metadata import find_approved_label, find_dates, find_school_name, table_labels
from policies.readers import Layout, Line, read_layout
from policies.text import clean_inline, fold

__all__ = ["Clause", "PolicyDocument", "load_policy", "parse_layout"]


@dataclass(frozen=True)
class Clause:
    """One rule, bullet or paragraph of a policy.

    ``kind`` is ``"rule"`` for a rule, bullet or paragraph, and ``"heading"`` or
    ``"note"`` (a date line or a table) for the other text of the document,
    which an FAQ may quote but which never answers a question on its own.
    ``lead_in`` is the sentence that introduces the list the clause belongs to
    ("... staff should follow these guidelines in which they DO NOT:"), since a
    list item can mean the opposite on its own. ``audiences`` is who the
    clause's part of the policy addresses, read from its headings; empty when
    the policy does not say.
    """

    section: str
    text: str
    index: int
    lead_in: str = ""
    audiences: frozenset[Audience] = field(default_factory=frozenset)
    kind: str = "rule"


@dataclass(frozen=True)
class PolicyDocument:
    """A parsed policy: ``clauses`` are its rules, ``extras`` its headings, dates and tables."""

    title: str
    text: str
    clauses: tuple[Clause, ...]
    approved: date | None
    next_review: date | None
    content_hash: str  # sha256 of the folded text: cosmetic edits do not change it
    path: Path | None = None
    extras: tuple[Clause, ...] = ()
    approved_label: str | None = None  # the approval date as stated ("January 2024")


def load_policy(path: Path) -> PolicyDocument:
    """Read and parse one policy file; raises :class:`~policies.errors.PolicyFileError`."""
    path = Path(path)
    return parse_layout(read_layout(path), path=path)


# ---- blocks: paragraphs, list items, headings, tables, metadata lines

_ARTIFACT = re.compile(r"\[bookmark:[^\]]*\]|\[image[^\]]*\]", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.IGNORECASE)
_BULLET = re.compile(
    r"^\s*(?:[-\u2022\u00b7\u25aa\u25e6\u2023\u2043\u2013*+>o](?=\s)|\d{1,2}[.)](?=\s))\s*"
)
_LABEL = re.compile(
    r"^\*{0,2}(?:\(?[a-z]\)|\(?[ivx]{1,4}\)|[IVX]{1,4}\.|\d{1,3}[.)]|[a-z]\.)\*{0,2}\s+"
)
_TERMINAL = ".!?:;"
_META = re.compile(
    r"\b(?:next\s+review|review\s+date|reviewed|approved|adopted|ratified|updated|created|date)\b"
    r".{0,40}?\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
_POLICY_WORD = re.compile(r"\bpolic(?:y|ies)\b", re.IGNORECASE)
_SCHOOL_WORD = re.compile(r"\b(?:school|academy|college)\b", re.IGNORECASE)
_PARENT_WORDS = re.compile(r"\b(?:parents?|carers?|families)\b", re.IGNORECASE)
_STAFF_WORDS = re.compile(
    r"\b(?:staff|employees?|teachers?|volunteers?|code of conduct|personal capacity)\b",
    re.IGNORECASE,
)


@dataclass
class _Block:
    kind: str  # "heading", "para", "bullet", "table", "meta"
    text: str
    rows: list[list[str]] = field(default_factory=list)
    last_line: str = ""


def _bare(text: str) -> str:
    return text.strip().strip("*_").strip()


def _heading_like(text: str) -> bool:
    bare = _bare(text)
    words = [word for word in bare.split() if any(ch.isalnum() for ch in word)]
    if not 1 <= len(words) <= 16 or len(bare) > 110:
        return False
    if bare[-1] in ".,;:!\"'\u201d\u2019" or (bare.endswith("?") and len(words) > 10):
        return False
    return bare[0].isupper() or bare[0].isdigit()


def _unterminated(text: str) -> bool:
    bare = _bare(text).rstrip("\"'\u201d\u2019)")
    return bool(bare) and bare[-1] not in _TERMINAL


def _continues(prev: _Block | None, line: str, after_break: bool, mode: str, width: int) -> bool:
    """Whether ``line`` carries on the paragraph or list item ``prev``."""
    if prev is None or prev.kind not in ("para", "bullet") or _BULLET.match(line):
        return False
    starts_lower = line.lstrip()[:1].islower()
    if starts_lower and _unterminated(prev.text):
        return True  # a hard line break or a page break inside a sentence
    if after_break:
        return False
    if mode == "markdown":
        return True
    if mode == "wrapped":
        return len(prev.last_line) >= 0.75 * width or (_unterminated(prev.text) and starts_lower)
    return False


def _prose(mode: str, text: str, width: int) -> bool:
    """Markdown marks its headings; in a hard-wrapped file a full-width line is prose."""
    return mode == "markdown" or (mode == "wrapped" and len(text) >= 0.75 * width)


def _clean_line(line: Line) -> Line:
    if line.hint in ("break", "table"):
        return line
    text = _ARTIFACT.sub("", line.text).strip()
    if not any(ch.isalnum() for ch in text) or _PAGE_NUMBER.match(text):
        return Line("", "break")
    return Line(text, line.hint)


def _classify(text: str, hint: str) -> tuple[str, str]:
    """``(kind, text)`` of a line that starts a block."""
    if hint == "heading":
        return "heading", text
    if marker := _BULLET.match(text):
        rest = text[marker.end() :]
        if re.match(r"\d", text.strip()) and _heading_like(rest):
            return "heading", rest  # "2. School-sanctioned use of social media"
        return "bullet", rest
    if hint == "bullet":
        return "bullet", text
    if len(text.split()) <= 14 and _META.search(text):
        return "meta", text
    if _heading_like(text):
        return "heading", text
    return "para", text


def _blocks(layout: Layout) -> list[_Block]:
    lines = [_clean_line(line) for line in layout.lines]
    width = max((len(line.text) for line in lines if line.hint == ""), default=0)
    blocks: list[_Block] = []
    after_break = True
    for line in lines:
        prev = blocks[-1] if blocks else None
        if line.hint == "break":
            after_break = True
            continue
        if line.hint == "table":
            cells = [cell.strip() for cell in line.text.split("\t")]
            if prev is None or prev.kind != "table" or (after_break and layout.mode != "lines"):
                blocks.append(_Block("table", "", []))
            blocks[-1].rows.append(cells)
        elif _continues(prev, line.text, after_break, layout.mode, width):
            assert prev is not None
            prev.text = f"{prev.text} {line.text.strip()}"
            prev.last_line = line.text
        else:
            kind, text = _classify(line.text, line.hint)
            if kind == "heading" and line.hint != "heading" and _prose(layout.mode, text, width):
                kind = "para"
            blocks.append(_Block(kind, text.strip(), last_line=line.text))
        after_break = False
    return blocks


# ---- title and dates


def _clean_title(text: str) -> str:
    text = re.sub(r"\([^)]*\)", "", _bare(text))
    text = re.sub(
        r"\s*[\u2013\u2014-]\s*(?:parents?|staff|pupils?|governors?)\s*$", "", text, flags=re.I
    )
    return clean_inline(text).rstrip(".:")


def _title(blocks: list[_Block], text: str, path: Path | None) -> str:
    head = [b for b in blocks[:20] if b.kind in ("heading", "para", "meta")]
    for position, block in enumerate(head):
        if _POLICY_WORD.search(block.text) and len(block.text.split()) <= 14:
            title = _clean_title(block.text)
            if _SCHOOL_WORD.search(title):
                return title
            named = [b.text for b in head[:position] if _SCHOOL_WORD.search(b.text)]
            school = _clean_title(named[-1]) if named else find_school_name(text)
            return f"{school} {title}" if school else title
    headings = [b.text for b in head if b.kind == "heading"]
    if headings:
        return _clean_title(headings[0])
    return path.stem.replace("-", " ").replace("_", " ").title() if path else "Policy"


def _date_statements(blocks: list[_Block]) -> list[str]:
    statements: list[str] = []
    for block in blocks:
        if block.kind == "table":
            statements.extend(table_labels(block.rows))
        elif block.kind == "meta" or (_META.search(block.text) and block.kind != "bullet"):
            statements.append(block.text)
    return statements


# ---- clauses


def _clause_text(text: str) -> str:
    text = _LABEL.sub("", text.strip())
    return clean_inline(re.sub(r"\*{1,3}", "", text))


def _audiences(heading: str) -> frozenset[Audience]:
    found = set()
    if _PARENT_WORDS.search(heading):
        found.add(Audience.PARENT)
    if _STAFF_WORDS.search(heading):
        found.add(Audience.STAFF)
    return frozenset(found)


class _Sections:
    """Tracks the current heading and the audience it implies."""

    def __init__(self, title: str) -> None:
        self.title_key = _key(title)
        self.section = title
        self.part_audiences: frozenset[Audience] = frozenset()
        self.audiences: frozenset[Audience] = frozenset()
        self.fresh = False

    def heading(self, text: str) -> bool:
        """Enter the section ``text`` heads; False when it is only the title again."""
        name = clean_inline(re.sub(r"\*+", "", _bare(text)).rstrip(":"))
        if _key(name) in self.title_key:
            return False  # the title again, as a page header
        stated = _audiences(name)
        if _POLICY_WORD.search(name) and stated:
            self.part_audiences = stated
        subheading = self.fresh and len(name.split()) <= 3  # "Social Media misuse" / "Children"
        self.section = f"{self.section} \u2013 {name}" if subheading else name
        self.audiences = stated or self.part_audiences
        self.fresh = True
        return True


class _Lists:
    """Tracks the sentence introducing the current list, one level of nesting deep.

    A list item ending in ":" opens a nested list that runs until an item starts
    with the same word as it did (its next sibling: "That they ...").
    """

    def __init__(self) -> None:
        self.outer = ""
        self.inner = ""
        self.inner_word = ""

    def reset(self) -> None:
        self.outer = self.inner = self.inner_word = ""

    def lead_in(self, kind: str, text: str) -> str:
        first_word = (text.split() or [""])[0].lower()
        opens = text.rstrip().endswith(":")
        if kind == "para":
            self.reset()
            self.outer = text if opens else ""
            return ""
        if self.inner_word and first_word == self.inner_word:
            self.inner = self.inner_word = ""
        current = self.inner or self.outer
        if opens:
            self.inner, self.inner_word = text, first_word
        return current


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(value))


def _is_title_echo(text: str, title: str) -> bool:
    return _key(text) == _key(title) or (len(text.split()) < 4 and text.rstrip().endswith(":"))


def _table_text(rows: list[list[str]]) -> str:
    return clean_inline(" ".join(cell for row in rows for cell in row if cell))


def _clauses(blocks: list[_Block], title: str) -> tuple[tuple[Clause, ...], tuple[Clause, ...]]:
    """``(rules, extras)`` in document order."""
    sections, lists = _Sections(title), _Lists()
    clauses: list[Clause] = []
    extras: list[Clause] = []
    for block in blocks:
        if block.kind == "heading":
            if sections.heading(block.text):
                lists.reset()
            name = clean_inline(re.sub(r"\*+", "", _bare(block.text)))
            extras.append(Clause(sections.section, name, len(extras), kind="heading"))
            continue
        if block.kind in ("meta", "table"):
            text = block.text if block.kind == "meta" else _table_text(block.rows)
            extras.append(Clause(sections.section, clean_inline(text), len(extras), kind="note"))
            continue
        text = _clause_text(block.text)
        lead_in = lists.lead_in(block.kind, text)
        sections.fresh = False
        if not text or _is_title_echo(text, title):
            continue
        clauses.append(Clause(sections.section, text, len(clauses), lead_in, sections.audiences))
    return tuple(clauses), tuple(extras)


def parse_layout(layout: Layout, *, path: Path | None = None) -> PolicyDocument:
    """Cut a read document into clauses and find its title and dates."""
    blocks = _blocks(layout)
    title = _title(blocks, layout.text, path)
    statements = _date_statements(blocks)
    approved, next_review = find_dates(statements)
    digest = hashlib.sha256(fold(layout.text).encode("utf-8")).hexdigest()
    clauses, extras = _clauses(blocks, title)
    return PolicyDocument(
        title=title,
        text=layout.text,
        clauses=clauses,
        extras=extras,
        approved=approved,
        approved_label=find_approved_label(statements),
        next_review=next_review,
        content_hash=digest,
        path=path,
    )
