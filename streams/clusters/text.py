"""Tokens, word shingles and hashed term vectors of a story's text."""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from functools import cache
from pathlib import Path

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
DATA_DIR = Path(__file__).parent / "data"


@cache
def stopwords() -> frozenset[str]:
    """The words left out of term vectors (``data/stopwords.txt``)."""
    lines = (DATA_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits; an inner apostrophe kept)."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def stable_hash(token: str) -> int:
    """A 32-bit hash that is the same in every process (``hash()`` is salted per process)."""
    return zlib.crc32(token.encode("utf-8"))


def shingle_hashes(text: str, size: int = 3) -> list[int]:
    """Distinct hashes of the word ``size``-grams of ``text`` (the whole text when it is shorter)."""
    toks = words(text)
    if len(toks) < size:
        return [stable_hash(" ".join(toks))] if toks else []
    return list({stable_hash(" ".join(toks[i : i + size])) for i in range(len(toks) - size + 1)})


def term_counts(text: str) -> Counter[str]:
    """Content words of ``text`` and how often each occurs (no stop words, no single characters)."""
    stop = stopwords()
    return Counter(w for w in words(text) if len(w) > 1 and w not in stop and not w.isdigit())


def top_terms(headline: str, body: str, limit: int = 24) -> dict[int, float]:
    """The ``limit`` heaviest terms as ``{hash: weight}``: log term frequency, headline words counted twice."""
    counts = term_counts(body)
    for term, n in term_counts(headline).items():
        counts[term] += 2 * n
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return {stable_hash(t): round(1.0 + math.log(c), 4) for t, c in ranked}
