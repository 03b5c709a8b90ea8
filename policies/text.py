"""Text folding shared by ingestion, FAQ validation and the tests.

:func:`fold` is the comparison form of policy text: case, white space,
curly/straight quotes and markdown ``*`` emphasis folded, so a quote typed in an
FAQ file matches the clause it was copied from.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_inline", "fold"]

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": "'",
        "\u201d": "'",
        "\u201e": "'",
        '"': "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "*": None,
    }
)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold ``text`` for comparison: NFKC, lower case, one quote mark, no ``*``, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return _SPACE.sub(" ", text).strip()


def clean_inline(text: str) -> str:
    """Collapse runs of white space (including non-breaking spaces) in one clause's text."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()
