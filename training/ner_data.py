"""Training windows for the NER token classifier from GUM, with the label derivation of ``ner.gum``.

Each GUM document is laid out as the eval lays it out (:func:`streams.eval.ner_gum.align_gum`: first sentence the
headline, one body line per sentence), recased like the worker's input (:func:`recase_shouting`), and packed
into windows exactly as the runtime packs them (:func:`streams.enrich.ner_model.pack`). A sub-word's label is
the derived name it starts in: ``B-X`` on the first sub-word of a name, ``I-X`` on the others, ``O`` elsewhere;
``[CLS]``/``[SEP]`` get -100 (ignored by the loss). :func:`silver_examples` labels unlabelled news the same way
from another recogniser's output (silver labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.enrich.document import Document
from streams.enrich.mentions import DocEntities
from streams.enrich.ner_model import pack
from streams.enrich.stages.entities import Recognizer
from streams.enrich.truecase import recase_shouting
from streams.eval.conlleval import iob_chunks
from streams.eval.ner_gum import align_gum, read_split

TYPES = ("PER", "ORG", "LOC", "MISC")
LABELS = ("O", *(f"{p}-{t}" for t in TYPES for p in ("B", "I")))
IGNORE = -100


@dataclass(frozen=True, slots=True)
class Example:
    """One window: sub-word ids, shape ids and label ids."""

    ids: list[int]
    shapes: list[int]
    labels: list[int]


def label_windows(
    text: str,
    names: Sequence[tuple[int, int, str]],
    lines: Sequence[tuple[int, int]],
    tokenizer: object,
    max_length: int,
    ignore: Sequence[tuple[int, int]] = (),
) -> list[Example]:
    """Windows of ``text`` (sentences ``lines``) labelled with the character spans ``names`` (start, end, type);
    sub-words starting inside an ``ignore`` span get no label."""
    index = {label: i for i, label in enumerate(LABELS)}
    at: dict[int, tuple[int, str]] = {}  # char -> (name start, type)
    for start, end, etype in names:
        for c in range(start, end):
            at[c] = (start, etype)
    skipped = {c for start, end in ignore for c in range(start, end)}
    out: list[Example] = []
    for w in pack(tokenizer, text, lines, max_length):
        labels = []
        for s, e in w.offsets:
            if e <= s or s in skipped:
                labels.append(IGNORE)
            elif s in at:
                start, etype = at[s]
                labels.append(index[("B-" if s == start else "I-") + etype])
            else:
                labels.append(index["O"])
        out.append(Example(w.ids, w.shapes, labels))
    return out


def gum_examples(
    gum_dir: Path, split: str, tokenizer: object, max_length: int, skip_genres: Sequence[str] = ()
) -> list[Example]:
    """Labelled windows of every document of ``split`` under ``gum_dir`` but those of ``skip_genres``
    (``GUM_<genre>_<name>``)."""
    out: list[Example] = []
    for doc in read_split(gum_dir, split):
        if doc.id.split("_")[1:2] and doc.id.split("_")[1] in skip_genres:
            continue
        aligned = align_gum(doc)
        tokens = aligned.tokens
        for field in ("headline", "body"):
            text = recase_shouting(getattr(aligned.document, field))
            names = [(tokens[a][1], tokens[b - 1][2], t) for a, b, t in iob_chunks(aligned.tags) if tokens[a][0] == field]
            lines, pos = [], 0
            for line in text.split("\n"):
                if line:
                    lines.append((pos, pos + len(line)))
                pos += len(line) + 1
            if text:
                out.extend(label_windows(text, names, lines, tokenizer, max_length))
    return out


_TO_CONLL = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "MISC": "MISC"}


def _names(found: DocEntities, field: str) -> set[tuple[int, int, str]]:
    """(start, end, CoNLL type) of the mentions of ``field``."""
    return {(m.start, m.end, _TO_CONLL[m.type]) for m in found.mentions if m.field == field}


def silver_examples(
    docs: Sequence[Document],
    recognizer: Recognizer,
    tokenizer: object,
    max_length: int,
    agree_with: Recognizer | None = None,
) -> list[Example]:
    """Windows of unlabelled stories labelled by ``recognizer`` (its sentences and mentions; GPE and LOC -> LOC).

    With ``agree_with``, a name is a label only where both recognisers find it with the same span and type; the
    characters of a name only one of them finds (or types differently) get no label rather than a wrong one.
    """
    out: list[Example] = []
    for i in range(0, len(docs), 16):
        batch = docs[i : i + 16]
        second = agree_with.recognize(batch) if agree_with is not None else [None] * len(batch)
        for doc, found, other in zip(batch, recognizer.recognize(batch), second, strict=True):
            for field in ("headline", "body"):
                text = recase_shouting(getattr(doc, field))
                names = _names(found, field)
                ignore: set[tuple[int, int]] = set()
                if other is not None:
                    theirs = _names(other, field)
                    ignore = {(s, e) for s, e, _ in names ^ theirs}
                    names &= theirs
                lines = [(s.start, s.end) for s in found.sentences if s.field == field]
                if text and lines:
                    out.extend(label_windows(text, sorted(names), lines, tokenizer, max_length, sorted(ignore)))
    return out
