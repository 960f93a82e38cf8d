"""The text the topic encoder reads: headline and lead of a story, with the party name "Labour" disambiguated.

Shared by the runtime model and its training script so both see the same input.
"""

from __future__ import annotations

import re

from streams.enrich.document import Document

# The encoder lowercases, so the UK party "Labour" looks like the IPTC topic "labour" (work and employment).
# Capitalised "Labour" in news is nearly always the party, unless followed by a labour-market word.
_LABOUR_PARTY = re.compile(
    r"\bLabour\b(?!['’]s? (?:market|force|costs?|shortages?|laws?|relations|dispute)| (?:Day|Department|Ministry|market|force|Force|costs?|shortages?|laws?|relations|dispute|exchange|camp))"
)
PARTY_NAME = "Labour party"


def disambiguate_labour(text: str) -> str:
    """Rewrite capitalised "Labour" (the party) so the encoder sees a political party, e.g. "Labour party"."""
    return (
        _LABOUR_PARTY.sub(PARTY_NAME, text)
        .replace(f"{PARTY_NAME} Party", PARTY_NAME)
        .replace(f"{PARTY_NAME} party", PARTY_NAME)
    )


def topic_text(doc: Document) -> str:
    """Headline and body joined by a blank line, with the Labour guard applied (truncation is the tokenizer's)."""
    return disambiguate_labour(doc.text)
