"""Name normalisation shared by the gazetteer index, the linker and the stable ids."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DROP = re.compile(r"[.'\u2019\u2018`]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"(?:'s|\u2019s|'|\u2019)$")
_SPACED_INITIALS = re.compile(r"\b([A-Z])\.\s+(?=[A-Z]\.)")


def fold(text: str) -> str:
    """``text`` without accents, case-folded (``"Andrés"`` -> ``"andres"``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """The lookup key of a name: folded, dots and apostrophes dropped, ``&`` -> ``and``, a leading "the" and a
    trailing possessive removed, other punctuation as single spaces (``"the U.S.'s"`` -> ``"us"``)."""
    key = fold(_POSSESSIVE.sub("", text.strip())).replace("&", " and ")
    key = _NON_WORD.sub(" ", _DROP.sub("", key)).strip()
    return _LEADING_THE.sub("", key)


def join_initials(text: str) -> str:
    """Initials written with spaces joined (``"U. S."`` -> ``"U.S."``), so they normalise like the usual form."""
    return _SPACED_INITIALS.sub(r"\1.", text)


def slug(text: str) -> str:
    """``norm`` with hyphens for spaces (``"Kamala Harris"`` -> ``"kamala-harris"``)."""
    return norm(text).replace(" ", "-")


def is_latin(text: str) -> bool:
    """True when every letter of ``text`` is Latin script (alternate names in other scripts are not indexed)."""
    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text)
