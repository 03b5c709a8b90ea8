"""Read a policy file (.txt, .md, .docx, .pdf) into lines with layout hints.

Each reader returns a :class:`Layout`: the document's plain text and its lines,
each line tagged with what the format says about it (a heading style, a list
item, a table row) so :mod:`policies.documents` can cut clauses the same way
whatever the format. Readers raise :class:`~policies.errors.PolicyFileError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from policies.errors import PolicyFileError

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

__all__ = ["Layout", "Line", "read_layout"]


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line; ``hint`` is ``""`` when only heuristics can tell what it is.

    ``"break"`` marks a paragraph boundary (a blank line); table rows keep their
    cells separated by tabs.
    """

    text: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Layout:
    text: str
    lines: tuple[Line, ...]
    mode: str  # "lines": a line per paragraph; "wrapped": hard-wrapped lines; "markdown"


def read_layout(path: Path) -> Layout:
    """Read ``path`` with the reader its extension calls for."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        kind = path.suffix or "files without an extension"
        raise PolicyFileError(path, "unsupported", f"cannot read {kind}")
    if not path.is_file():
        raise PolicyFileError(path, "unreadable", "no such file")
    layout = reader(path)
    if not any(ch.isalnum() for ch in layout.text):
        raise PolicyFileError(path, "empty", "no text found")
    return layout


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyFileError(path, "unreadable", exc.strerror or str(exc)) from exc
    if b"\x00" in raw[:4096]:
        raise PolicyFileError(path, "corrupt", "binary data in a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _plain_lines(text: str) -> Iterator[Line]:
    for raw in text.splitlines():
        if not raw.strip():
            yield Line("", "break")
        elif "\t" in raw:
            yield Line(raw.strip(" \r\n"), "table")
        else:
            yield Line(raw.rstrip())


def _looks_wrapped(lines: tuple[Line, ...]) -> bool:
    """True when most text lines end near one width (a hard-wrapped file or a PDF page)."""
    lengths = sorted(len(line.text) for line in lines if line.hint == "" and line.text)
    if len(lengths) < 12:
        return False
    return lengths[int(len(lengths) * 0.9)] <= 110


def _read_txt(path: Path) -> Layout:
    text = _read_text(path)
    lines = tuple(_plain_lines(text))
    return Layout(text, lines, "wrapped" if _looks_wrapped(lines) else "lines")


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\S")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_MD_BOLD_LINE = re.compile(r"^\s*(\*\*|__)([^*_]{1,100})\1\s*$")


def _md_line(raw: str) -> Line | None:
    stripped = raw.strip()
    if not stripped:
        return Line("", "break")
    if heading := _MD_HEADING.match(raw):
        return Line(heading.group(1), "heading")
    if bold := _MD_BOLD_LINE.match(raw):
        return Line(bold.group(2).strip(), "heading")
    if stripped.startswith("|"):
        if _MD_TABLE_RULE.match(stripped):
            return None  # the |---|---| row under a table header
        return Line("\t".join(c.strip() for c in stripped.strip("|").split("|")), "table")
    if _MD_BULLET.match(raw):
        return Line(stripped, "bullet")
    return Line(stripped)


def _read_md(path: Path) -> Layout:
    text = _read_text(path)
    lines = (_md_line(raw) for raw in text.splitlines())
    return Layout(text, tuple(line for line in lines if line is not None), "markdown")


def _read_docx(path: Path) -> Layout:
    import docx  # deferred: python-docx is only needed for .docx policies
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile/KeyError/lxml errors alike
        raise PolicyFileError(path, "corrupt", f"not a readable .docx ({exc})") from exc
    lines: list[Line] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(_docx_paragraph(block))
        elif isinstance(block, Table):
            lines.extend(_docx_table(block))
        lines.append(Line("", "break"))
    text = "\n".join(_as_text(line) for line in lines)
    return Layout(text, tuple(lines), "lines")


def _docx_paragraph(paragraph: Paragraph) -> Line:
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if not text:
        return Line("", "break")
    if style.startswith(("Heading", "Title", "Subtitle")):
        return Line(text, "heading")
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if style.startswith("List") or numbered:
        return Line(text, "bullet")
    return Line(text)


def _docx_table(table: Table) -> Iterator[Line]:
    for row in table.rows:
        cells = [cell.text.strip().replace("\n", " ") for cell in row.cells]
        if any(cells):
            yield Line("\t".join(cells), "table")


def _as_text(line: Line) -> str:
    return f"- {line.text}" if line.hint == "bullet" else line.text


def _read_pdf(path: Path) -> Layout:
    from pypdf import PdfReader  # deferred: pypdf is only needed for .pdf policies
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise PolicyFileError(path, "corrupt", f"not a readable PDF ({exc})") from exc
    text = "\n\n".join(pages)
    if not any(ch.isalnum() for ch in text):
        raise PolicyFileError(path, "empty", "no text layer (a scanned PDF?)")
    return Layout(text, tuple(_plain_lines(text)), "wrapped")


_READERS: dict[str, Callable[[Path], Layout]] = {
    ".txt": _read_txt,
    ".text": _read_txt,
    ".md": _read_md,
    ".markdown": _read_md,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
}
