"""Stage ``language``: stories in a language the models do not handle skip the later stages.

The language itself is detected once, when the message is parsed (:mod:`streams.ingest`, with its confidence
threshold); this stage only reads it. A story without a language (undecidable, very short text) is tried as English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streams.enrich.config import EnrichConfig
from streams.enrich.language import SUPPORTED_LANGUAGES, is_supported
from streams.enrich.stage import StoryState, Update

UNSUPPORTED_LANGUAGE = "unsupported_language"


@dataclass(frozen=True)
class LanguageStage:
    """Marks stories of unsupported languages (note ``unsupported_language``) so later stages pass them by."""

    name: str = "language"
    version: str = "1+" + ",".join(sorted(SUPPORTED_LANGUAGES))
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("language", "skip", "notes")

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        out: list[Update] = []
        for state in batch:
            language = state.doc.language
            if language is None or is_supported(language):
                out.append({"language": language})
            else:
                out.append({"language": language, "skip": True, "notes": [UNSUPPORTED_LANGUAGE]})
        return out


def build(config: EnrichConfig) -> LanguageStage:
    return LanguageStage()
