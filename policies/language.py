"""Is a question written in English? The engine reads only English, and a question in
another language should be told so (and passed to a person), not told "the policy doesn't
cover this".

A question is taken as not English when it uses two or more common function words of
another European language and no more English ones, or when most of its words are
neither English function words nor words the vocabulary knows.
"""

from __future__ import annotations

import re
from collections.abc import Container

from policies.vocabulary import STOP_WORDS, known_word, stem

__all__ = ["NOT_ENGLISH", "is_english"]


def _split(text: str) -> list[str]:
    return text.split()



NOT_ENGLISH = (
    "Sorry, I can only read English for now, so I can't answer that from the policy."
)
_FOREIGN = frozenset(_split("""
    je tu il elle nous vous ils est sont suis peux peut puis les une des du sur avec
    pour dans pas mon ma mes est-ce qu que quoi ich du er sie wir ihr ist sind kann darf
    nicht mit auf und oder der die das ein eine mein meine vom zum zur fotos puedo puede
    es el los las una mi mis con por para del subir qué cómo czy mogę moje może jest są
    nie na się z w do jak co dlaczego ze io sono posso della il lo gli delle che non eu
    posso não com uma meu minha seu sua het een ik mag niet kan jij wij zijn
"""))
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_ENGLISH = frozenset({"i", "a", "the", "to", "my", "on", "can", "is", "in", "of", "and"})


def is_english(text: str, known: Container[str]) -> bool:
    """Whether ``text`` reads as English; ``known`` holds the policy's own index terms."""
    words = sorted({word.lower() for word in _WORD.findall(text)})  # each word once
    if len(words) < 2:
        return True
    english = sum(1 for word in words if word in STOP_WORDS or word in _ENGLISH)
    foreign = sum(1 for word in words if word in _FOREIGN and word not in _ENGLISH)
    if foreign >= 2 and foreign > english:
        return False
    familiar = english + sum(
        1 for word in words if known_word(word) or word in known or stem(word) in known
    )
    return len(words) < 4 or familiar * 2 >= len(words)
