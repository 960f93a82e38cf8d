"""The ``quotes`` stage: quotations and reported speech, with speakers resolved to the story's entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from streams.enrich.quote_cue_model import MODEL_FILE, CueModel, load
from streams.enrich.quotes import extract_quotes
from streams.enrich.stage import StoryState, Update

if TYPE_CHECKING:
    from streams.enrich.config import EnrichConfig

#: Bump whenever the patterns (streams/enrich/quote_patterns.py, quotes.py) or data/quote_*.txt change.
PATTERNS_VERSION = "quotes-rules-7"


class QuotesStage:
    """Deterministic: the cue patterns, plus the learned cue detector when ``cues`` is given. Reads the entities
    (for speakers), writes ``quotes``."""

    name = "quotes"
    reads: tuple[str, ...] = ("analysis", "entities")
    writes: tuple[str, ...] = ("quotes",)

    def __init__(self, cues: CueModel | None = None) -> None:
        self.cues = cues
        self.version = f"{PATTERNS_VERSION}+{cues.version}" if cues is not None else PATTERNS_VERSION

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        """One ``{"quotes": [Quote, ...]}`` per story, in order."""
        return [{"quotes": extract_quotes(state.doc, state.entities, self.cues)} for state in batch]


def build(config: EnrichConfig) -> QuotesStage:
    """The registered factory: the learned cues from ``config.quote_cue_model`` unless ``quote_learned_cues`` is off."""
    if not config.quote_learned_cues:
        return QuotesStage()
    return QuotesStage(load(config.quote_cue_model or MODEL_FILE))
