"""Errors raised by the policy package.

A shallow tree; every error carries the data a caller needs to explain it, and
``str(error)`` is already a sentence fit for a log line or a CLI message::

    PolicyError                 base class: catch this to catch them all
    ├── PolicyFileError         a policy document cannot be used (.path, .reason)
    ├── FaqError                an FAQ file is invalid (.path, .entry, .reason)
    ├── UnknownSchool           no school with that slug (.slug, .known)
    └── QuestionError           a question cannot be answered as asked (.reason)

The chat layer turns these into a polite reply in one place; the engine never
prints.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "FaqError",
    "PolicyError",
    "PolicyFileError",
    "QuestionError",
    "UnknownSchool",
]


class PolicyError(Exception):
    """Base class of every error raised by ``policies``."""


class PolicyFileError(PolicyError):
    """A policy document is unreadable, empty or corrupt.

    ``reason`` is one of ``"unreadable"``, ``"empty"``, ``"corrupt"`` or
    ``"unsupported"`` (an extension the engine cannot read); ``detail`` says more.
    """

    def __init__(self, path: Path, reason: str, detail: str = "") -> None:
        self.path = path
        self.reason = reason
        self.detail = detail
        suffix = f": {detail}" if detail else ""
        super().__init__(f"policy file {path} is {reason}{suffix}")


class FaqError(PolicyError):
    """An FAQ file breaks a rule of ``policies/faq/README.md``.

    ``entry`` is the entry's id (or ``"#<n>"`` when it has none, or ``""`` for a
    file-level problem); ``reason`` says what is wrong, quoting the bad value.
    """

    def __init__(self, path: Path, entry: str, reason: str) -> None:
        self.path = path
        self.entry = entry
        self.reason = reason
        where = f"{path}, entry {entry}" if entry else str(path)
        super().__init__(f"{where}: {reason}")


class UnknownSchool(PolicyError):
    """No school with this slug is configured."""

    def __init__(self, slug: str, known: tuple[str, ...] = ()) -> None:
        self.slug = slug
        self.known = known
        hint = f" (known: {', '.join(known)})" if known else ""
        super().__init__(f"unknown school {slug!r}{hint}")


class QuestionError(PolicyError):
    """The question cannot be answered as asked; ``reason`` is ``"empty"`` or ``"too long"``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"question is {reason}")
