"""The input of the enrichment library: a story's text, nothing about Kafka."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.models import Story


@dataclass(frozen=True, slots=True)
class Document:
    """Text to enrich. Offsets in results refer to ``headline`` or ``body`` as given here."""

    id: str
    headline: str
    body: str
    language: str | None = None

    @classmethod
    def of_story(cls, story: Story) -> Document:
        """The document of a parsed story. A derived headline (the body's first sentence) is left out, so the
        lead is read once: mentions, salience and stance evidence come from the body alone."""
        headline = "" if story.headline_derived else story.headline
        return cls(id=story.id, headline=headline, body=story.body, language=story.language)

    @property
    def text(self) -> str:
        """Headline and body joined by a blank line (for document-level models)."""
        return f"{self.headline}\n\n{self.body}" if self.headline else self.body
