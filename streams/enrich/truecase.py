"""Recase lines written in capitals ("CRICKET - LEICESTERSHIRE TAKE OVER") so the NER model sees normal casing.

The result always has the same length as the input, so character offsets found in it hold for the original.
A word's casing comes from ``data/truecase.tsv`` (its usual form in running news text) when listed there,
else function words (``data/function_words.txt``) are lower-cased and other words title-cased.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from streams.enrich import resources

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019.-][^\W\d_]+)*\.?", re.UNICODE)
_UPPER = re.compile(r"[A-Z\u00c0-\u00de\u0391-\u03a9\u0410-\u042f]")
_LOWER = re.compile(r"[a-z\u00df-\u00ff\u03b1-\u03c9\u0430-\u044f]")
_MIN_LETTERS = 6
_UPPER_SHARE = 0.8


@cache
def casing() -> Mapping[str, str]:
    """The usual casing of words in news text (``data/truecase.tsv``): lower-cased word -> cased form.

    Built once per process and shared read-only by recasing, the NER post-rules, clustering and the pipeline.
    """
    return MappingProxyType({k.lower(): v for k, v in resources.mapping("truecase.tsv").items()})


@cache
def _function_words() -> frozenset[str]:
    return frozenset(w.lower() for w in resources.word_list("function_words.txt"))


def is_shouting(line: str) -> bool:
    """True when nearly all cased letters of ``line`` are capitals (and there are enough of them)."""
    upper = len(_UPPER.findall(line))
    if upper < _MIN_LETTERS:
        return False
    lower = len(_LOWER.findall(line))
    return upper >= _MIN_LETTERS and upper >= _UPPER_SHARE * (upper + lower)


def _recase_word(word: str, first: bool) -> str:
    low = word.lower()
    known = casing().get(low)
    if known is not None:
        cased = known
    elif low in _function_words():
        cased = low
    elif len(word) <= 3 and "." in word:  # initials and abbreviations: "U.S.", "A."
        cased = word
    else:
        cased = word[:1] + low[1:]
    if first:
        cased = cased[:1].upper() + cased[1:]
    return cased if len(cased) == len(word) else word


def _recase_line(line: str) -> str:
    parts: list[str] = []
    last = 0
    for i, m in enumerate(_WORD.finditer(line)):
        parts.append(line[last : m.start()])
        parts.append(_recase_word(m.group(0), first=i == 0))
        last = m.end()
    parts.append(line[last:])
    return "".join(parts)


def recase_shouting(text: str) -> str:
    """``text`` with every all-capitals line recased; other lines unchanged; same length as ``text``."""
    if not any(ch.isupper() for ch in text):
        return text
    lines = text.split("\n")
    changed = False
    for i, line in enumerate(lines):
        if is_shouting(line):
            lines[i] = _recase_line(line)
            changed = True
    return "\n".join(lines) if changed else text
