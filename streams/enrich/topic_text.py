"""What the topic encoder reads: the headline and the first chunks of the body, with the party name "Labour"
disambiguated.

Shared by the runtime model and its training script so both see the same input. A story becomes up to
``max_chunks`` token windows of at most ``chunk_tokens`` tokens each: ``[CLS] headline body-window [SEP]``; the
headline is repeated in every window so that each one is read in context.
"""

from __future__ import annotations

import re

from tokenizers import Tokenizer

from streams.enrich.document import Document

# The encoder lowercases, so the UK party "Labour" looks like the IPTC topic "labour" (work and employment).
# Capitalised "Labour" in news is nearly always the party, unless followed by a labour-market word.
_LABOUR_PARTY = re.compile(
    r"\bLabour\b(?!['’]s? (?:market|force|costs?|shortages?|laws?|relations|dispute)| (?:Day|Department|Ministry|market|force|Force|costs?|shortages?|laws?|relations|dispute|exchange|camp))"
)
PARTY_NAME = "Labour party"
HEADLINE_TOKENS = 32  # a headline longer than this is cut
MIN_EXTRA_WINDOW = 24  # a body window after the first one needs at least this many tokens to be read
CHARS_PER_TOKEN = 8  # generous: only this many characters per needed token are tokenized


def disambiguate_labour(text: str) -> str:
    """Rewrite capitalised "Labour" (the party) so the encoder sees a political party, e.g. "Labour party"."""
    return (
        _LABOUR_PARTY.sub(PARTY_NAME, text)
        .replace(f"{PARTY_NAME} Party", PARTY_NAME)
        .replace(f"{PARTY_NAME} party", PARTY_NAME)
    )


def topic_text(doc: Document) -> str:
    """Headline and body joined by a blank line, with the Labour guard applied (no truncation)."""
    return disambiguate_labour(doc.text)


def chunk_ids(
    tokenizer: Tokenizer, headline: str, body: str, *, chunk_tokens: int = 128, max_chunks: int = 2
) -> list[list[int]]:
    """Token ids of the windows the encoder reads for one story (at least one window, at most ``max_chunks``).

    Each window is ``[CLS] headline body[i:j] [SEP]`` with at most ``chunk_tokens`` ids; consecutive windows
    cover consecutive parts of the body. A trailing window shorter than ``MIN_EXTRA_WINDOW`` tokens is dropped.
    ``tokenizer`` must have padding and truncation turned off (``TopicModel`` and the training script do so).
    """
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise ValueError("the tokenizer has no [CLS] / [SEP] tokens")
    head = tokenizer.encode(disambiguate_labour(headline), add_special_tokens=False).ids[:HEADLINE_TOKENS]
    room = max(16, chunk_tokens - 2 - len(head))
    text = disambiguate_labour(body[: room * max_chunks * CHARS_PER_TOKEN])
    ids = tokenizer.encode(text, add_special_tokens=False).ids if text.strip() else []
    windows = [ids[i : i + room] for i in range(0, len(ids), room)][:max_chunks] or [[]]
    windows = windows[:1] + [w for w in windows[1:] if len(w) >= MIN_EXTRA_WINDOW]
    return [[cls_id, *head, *w, sep_id] for w in windows]


def document_chunk_ids(
    tokenizer: Tokenizer, doc: Document, *, chunk_tokens: int = 128, max_chunks: int = 2
) -> list[list[int]]:
    """:func:`chunk_ids` of a :class:`Document` (headline and body as given)."""
    return chunk_ids(tokenizer, doc.headline, doc.body, chunk_tokens=chunk_tokens, max_chunks=max_chunks)
