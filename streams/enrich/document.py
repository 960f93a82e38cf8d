"""The input of the enrichment library: a story's text, nothing about Kafka."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """Text to enrich. Offsets in results refer to ``headline`` or ``body`` as given here."""

    id: str
    headline: str
    body: str
    language: str | None = None

    @property
    def text(self) -> str:
        """Headline and body joined by a blank line (for document-level models)."""
        return f"{self.headline}\n\n{self.body}" if self.headline else self.body
