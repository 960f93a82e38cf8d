"""The types NER produces and later steps read: sentences, raw mentions and a document's analysis.

Shared by :mod:`streams.enrich.entities` (which builds them), :mod:`streams.enrich.ner_rules` (which corrects
them) and :mod:`streams.enrich.clustering` (which groups them); this module imports none of those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.models import EntityType, TextField

__all__ = ["DocEntities", "RawMention", "Sentence", "sentence_index"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a field: ``text == field_text[start:end]``."""

    field: TextField
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class RawMention:
    """One recognised entity mention before clustering."""

    text: str
    field: TextField
    start: int
    end: int
    sentence: int
    type: EntityType
    label: str  # the model's own label (e.g. "NORP"), or "RULE" when a post-rule set the type


@dataclass(frozen=True, slots=True)
class DocEntities:
    """Sentences and entity mentions of one document, in text order (headline first)."""

    doc_id: str
    sentences: tuple[Sentence, ...]
    mentions: tuple[RawMention, ...]

    def sentence(self, field: TextField, index: int) -> Sentence:
        """The sentence ``index`` of ``field``."""
        for s in self.sentences:
            if s.field == field and s.index == index:
                return s
        raise KeyError((field, index))


def sentence_index(sents: Sequence[Sentence], offset: int) -> int:
    """Index of the sentence holding ``offset`` (the last one starting at or before it)."""
    index = 0
    for s in sents:
        if s.start <= offset:
            index = s.index
        else:
            break
    return index
