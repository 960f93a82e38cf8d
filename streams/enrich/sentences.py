"""Rule-based sentence boundaries: every line break starts a sentence, then punctuation rules inside lines."""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

_COMPONENT = "wirestream_line_breaks"


@Language.component(_COMPONENT)
def _line_breaks(doc: Doc) -> Doc:
    """Mark the first token after a whitespace token holding a newline as a sentence start."""
    for i in range(1, len(doc)):
        prev = doc[i - 1]
        if "\n" in prev.text_with_ws and not doc[i].is_space:
            doc[i].is_sent_start = True
    return doc


def add_sentence_splitter(nlp: Any) -> None:
    """Append line-break boundaries and spaCy's punctuation ``sentencizer`` to ``nlp``."""
    nlp.add_pipe(_COMPONENT)
    nlp.add_pipe("sentencizer")
