"""Entity-level exact-match scoring in the style of the CoNLL-2000/2003 ``conlleval`` script."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Chunk = tuple[int, int, str]  # (first token, end token exclusive, type)


def iob_chunks(tags: Sequence[str]) -> list[Chunk]:
    """Chunks of an IOB1 or IOB2 tag sequence, as conlleval reads them.

    A chunk starts at ``B-X``, or at ``I-X`` when the previous tag is not of type X; it ends before ``O``,
    before any ``B-``, and before an ``I-Y`` of another type.
    """
    chunks: list[Chunk] = []
    start: int | None = None
    ctype = ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, ttype = tag.partition("-")
        ends = start is not None and (prefix in ("O", "B") or ttype != ctype)
        if ends:
            chunks.append((start, i, ctype))  # type: ignore[arg-type]
            start = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, ctype = i, ttype
    return chunks


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives, predicted and gold chunk counts of one type (or overall)."""

    correct: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def count(
    gold: Iterable[tuple[object, Chunk]], predicted: Iterable[tuple[object, Chunk]], types: Iterable[str] | None = None
) -> Counts:
    """Exact-match counts over (sentence-or-document key, chunk) pairs, restricted to ``types`` when given."""
    keep = None if types is None else set(types)
    g = {x for x in gold if keep is None or x[1][2] in keep}
    p = {x for x in predicted if keep is None or x[1][2] in keep}
    return Counts(len(g & p), len(p), len(g))
