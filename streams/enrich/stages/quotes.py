"""The ``quotes`` stage: quotations and reported speech, with speakers resolved to the story's entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from streams.enrich.quotes import extract_quotes
from streams.enrich.stage import StoryState, Update

if TYPE_CHECKING:
    from streams.enrich.config import EnrichConfig

#: Bump whenever the patterns (streams/enrich/quote_patterns.py, quotes.py) or data/quote_*.txt change.
VERSION = "quotes-rules-5"


class QuotesStage:
    """Rule-based, deterministic; needs no model. Reads the entities (for speakers), writes ``quotes``."""

    name = "quotes"
    version = VERSION
    reads: tuple[str, ...] = ("analysis", "entities")
    writes: tuple[str, ...] = ("quotes",)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        """One ``{"quotes": [Quote, ...]}`` per story, in order."""
        return [{"quotes": extract_quotes(state.doc, state.entities)} for state in batch]


def build(config: EnrichConfig) -> QuotesStage:
    """The registered factory (the stage has no knobs: ``config`` is accepted for the common signature)."""
    del config
    return QuotesStage()
