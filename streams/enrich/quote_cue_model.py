"""A learned cue detector: the words of a sentence that introduce an attribution the cue lists do not name.

PolNeAR marks far more cues than any list can hold (``pledged``, ``attacked``, ``want``, ``shows``: 783 distinct
cues among 1,479 indirect attributions of its dev split). Two logistic regressions, trained on PolNeAR
``train.jsonl`` by ``training/train_quote_cues.py``: one over sparse features of each candidate word (the word,
its suffix, its neighbours, quote marks and capitals nearby, :func:`candidate_features`), and a filter over the
attributions built on the words it takes (:func:`attribution_features`). It reads the same masked sentences as
the rules (quoted text replaced by :data:`~streams.enrich.quote_patterns.MASK`), so a word inside a quotation is
never a cue.

Pure Python: the weights are JSON tables of feature -> weight (``models/quotes/cues.json``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from streams.enrich.quote_patterns import MASK, Span

MODEL_FILE = Path(__file__).parent / "models" / "quotes" / "cues.json"

_TOKEN = re.compile(rf"[A-Za-z][\w'\u2019-]*|\d[\d.,]*|{MASK}+|[^\s\w]")


def tokens(m: str) -> list[tuple[int, str]]:
    """``(start, text)`` of the tokens of a masked sentence ``m``: words, numbers, one per quoted run, punctuation."""
    return [(t.start(), t.group()) for t in _TOKEN.finditer(m)]


_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "that", "which"})


def _shape(tok: str) -> str:
    if tok[0] == MASK:
        return "Q"
    if tok[0].isupper():
        return "C"
    if tok[0].isalpha():
        return "w"
    return "d" if tok[0].isdigit() else tok


def _norm(tok: str) -> str:
    return "<Q>" if tok[0] == MASK else tok.lower()


def candidate_features(toks: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """``(index, feature names)`` of every candidate cue of a sentence's tokens (shared by training and inference).

    A candidate is a lower-case word, or the first word of the sentence; its features are the word, its suffixes,
    the two words either side, word bigrams, its position, and the shapes (capitalised, quote, number) nearby.
    """
    n = len(toks)
    norms = ["<S>", "<S>", *(_norm(t) for _, t in toks), "</S>", "</S>"]  # padded: token i is norms[i + 2]
    shapes = [_shape(t) for _, t in toks]
    quoted = any(sh == "Q" for sh in shapes)
    out: list[tuple[int, list[str]]] = []
    seen_word = False
    for i, (_, tok) in enumerate(toks):
        first = not seen_word
        seen_word = seen_word or tok[0].isalnum()
        if not tok[0].isalpha() or not (tok[0].islower() or first):
            continue
        w, p1, p2, n1, n2 = norms[i + 2], norms[i + 1], norms[i], norms[i + 3], norms[i + 4]
        feats = [
            "b",
            f"w={w}",
            f"s3={w[-3:]}",
            f"s2={w[-2:]}",
            f"p1={p1}",
            f"p2={p2}",
            f"n1={n1}",
            f"n2={n2}",
            f"p1w={p1}|{w}",
            f"wn1={w}|{n1}",
            f"s3n1={w[-3:]}|{n1}",
            f"p1s3={p1}|{w[-3:]}",
            f"pos={min(i, 6)}",
            f"left={min(n - i - 1, 6)}",
        ]
        feats += [f"sb={sh}" for sh in sorted(set(shapes[max(0, i - 4) : i]))]
        feats += [f"sa={sh}" for sh in sorted(set(shapes[i + 1 : i + 5]))]
        if quoted:
            feats.append("quoted")
        out.append((i, feats))
    return out


def _logistic(weights: Mapping[str, float], feats: list[str]) -> float:
    """The logistic of the summed weights of ``feats`` (unknown features weigh 0)."""
    get = weights.get
    z = sum(get(f, 0.0) for f in feats)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class CueModel:
    """The cue words' feature weights and the probability a word needs to count as a cue; the filter's weights and
    the probability an attribution built on them needs to be kept."""

    version: str
    weights: Mapping[str, float]
    threshold: float
    filter_weights: Mapping[str, float] = field(default_factory=dict)
    filter_threshold: float = 0.0

    def probability(self, feats: list[str]) -> float:
        """P(cue) of a candidate with features ``feats``."""
        return _logistic(self.weights, feats)

    def cues(self, m: str) -> list[tuple[int, int, float]]:
        """``(start, end, probability)`` of the words of masked sentence ``m`` read as cues."""
        toks = tokens(m)
        out = []
        for i, feats in candidate_features(toks):
            if (p := self.probability(feats)) >= self.threshold:
                s, tok = toks[i]
                out.append((s, s + len(tok), p))
        return out

    def right(self, feats: list[str]) -> float:
        """The filter's probability that an attribution built on learned cues, with :func:`attribution_features`
        ``feats``, is right (its content overlaps the true one); 1.0 without a filter."""
        if not self.filter_weights:
            return 1.0
        return _logistic(self.filter_weights, feats)

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "threshold": self.threshold,
            "weights": dict(self.weights),
            "filter_threshold": self.filter_threshold,
            "filter_weights": dict(self.filter_weights),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> CueModel:
        return cls(
            version=str(data["version"]),
            weights=dict(data["weights"]),
            threshold=float(data["threshold"]),
            filter_weights=dict(data.get("filter_weights", {})),
            filter_threshold=float(data.get("filter_threshold", 0.0)),
        )


def _bucket(n: int, edges: tuple[int, ...]) -> int:
    return next((k for k, e in enumerate(edges) if n <= e), len(edges))


def attribution_features(m: str, content: Span, cue: Span, speaker: Span | None, p: float) -> list[str]:
    """Features of an attribution built on learned cues (offsets in the masked sentence ``m``)."""
    cue_words = m[cue[0] : cue[1]].lower().split()
    content_toks = tokens(m[content[0] : content[1]])
    words = [t for _, t in content_toks]
    if speaker is None:
        spk = "none"
    else:
        first = m[speaker[0] : speaker[1]].split()[0]
        spk = "pron" if first.lower() in _PRONOUNS else _shape(first)
    out = [
        "b",
        f"p={min(int(p * 10), 9)}",
        f"n_cue={min(len(cue_words), 3)}",
        f"spk={spk}",
        f"len={_bucket(len(words), (2, 4, 8, 15, 30))}",
        f"after={content[0] >= cue[1]}",
        f"first={_norm(words[0]) if words else '-'}",
        f"gap={_bucket(len(tokens(m[cue[1] : content[0]])) if content[0] >= cue[1] else 0, (0, 1, 3))}",
        f"sent={_bucket(len(tokens(m)), (10, 20, 35, 60))}",
        f"quote={'Q' in {_shape(w) for w in words}}",
    ]
    out += [f"cw={w}" for w in cue_words]
    out += [f"cws={w}|{spk}" for w in cue_words]
    return out


@cache
def load(path: Path = MODEL_FILE) -> CueModel:
    """The cue model at ``path`` (default: the shipped one), read once."""
    return CueModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
