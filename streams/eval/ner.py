"""NER evaluation on CoNLL-2003-style files (``conll2003/dev.conll``: token POS chunk NER, IOB1 tags).

Each CoNLL document becomes one :class:`Document`: its first sentence is the headline, the other sentences
are body lines; tokens are joined by single spaces. The entities come from the same enrichment code the
worker runs (:meth:`Enricher.enrich_batch`); every mention of every clustered entity is scored with the
entity's type. Label mapping to CoNLL: PERSON -> PER, ORG -> ORG, GPE and LOC -> LOC, MISC -> MISC.
A predicted span is snapped to the CoNLL tokens it overlaps; scoring is conlleval's exact match.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from streams.enrich.document import Document
from streams.eval.conlleval import Chunk, count, iob_chunks

if TYPE_CHECKING:
    from streams.enrich.pipeline import Enricher

CONLL_TYPES = ("PER", "ORG", "LOC", "MISC")
TO_CONLL = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "MISC": "MISC"}
DEV_FILE = Path("conll2003") / "dev.conll"

Span = tuple[str, int, int, str]  # (field, start, end, wirestream entity type)
Predictor = Callable[[Sequence[Document]], list[list[Span]]]


@dataclass(frozen=True, slots=True)
class ConllDoc:
    """One CoNLL document: its sentences as (token, NER tag) lists."""

    id: str
    sentences: list[list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class AlignedDoc:
    """A CoNLL document as a :class:`Document`, with each token's (field, start, end) and gold tag."""

    document: Document
    tokens: list[tuple[str, int, int]]
    tags: list[str]


def read_conll(path: Path) -> list[ConllDoc]:
    """Documents of a CoNLL-2003 file (split on ``-DOCSTART-`` lines, sentences on blank lines)."""
    docs: list[list[list[tuple[str, str]]]] = [[]]
    sentence: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal sentence
        if sentence:
            docs[-1].append(sentence)
            sentence = []

    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split()
        if not cols:
            flush()
        elif cols[0] == "-DOCSTART-":
            flush()
            docs.append([])
        else:
            sentence.append((cols[0], cols[-1]))
    flush()
    return [ConllDoc(f"conll-{i:04d}", s) for i, s in enumerate(d for d in docs if d)]


def align(doc: ConllDoc) -> AlignedDoc:
    """Build the headline/body texts of ``doc`` and record where each token landed."""
    return align_sentences(doc.id, [[(tok, tag, True) for tok, tag in sent] for sent in doc.sentences])


def align_sentences(doc_id: str, sentences: Sequence[Sequence[tuple[str, str, bool]]]) -> AlignedDoc:
    """A Document from tokenised sentences (the first one the headline when there are several, then one body line
    each), with each token's field and offsets and its tag. A token is ``(text, tag, space before it)``."""
    fields: dict[str, list[str]] = {"headline": [], "body": []}
    tokens: list[tuple[str, int, int]] = []
    tags: list[str] = []
    for si, sent in enumerate(sentences):
        field = "headline" if si == 0 and len(sentences) > 1 else "body"
        parts = fields[field]
        offset = sum(len(p) for p in parts)
        if parts:
            parts.append("\n")
            offset += 1
        for ti, (tok, tag, space) in enumerate(sent):
            if ti and space:
                parts.append(" ")
                offset += 1
            parts.append(tok)
            tokens.append((field, offset, offset + len(tok)))
            tags.append(tag)
            offset += len(tok)
    document = Document(doc_id, "".join(fields["headline"]), "".join(fields["body"]), "en")
    return AlignedDoc(document, tokens, tags)


def snap(aligned: AlignedDoc, spans: Sequence[Span]) -> list[Chunk]:
    """Predicted character spans as token chunks with CoNLL types (overlapping tokens, duplicates dropped)."""
    chunks: set[Chunk] = set()
    for field, start, end, etype in spans:
        conll_type = TO_CONLL.get(etype)
        if conll_type is None:
            continue
        idx = [i for i, (f, s, e) in enumerate(aligned.tokens) if f == field and e > start and s < end]
        if idx:
            chunks.add((idx[0], idx[-1] + 1, conll_type))
    return sorted(chunks)


def enricher_predictor(enricher: Enricher) -> Predictor:
    """Mentions (with their entity's type) from the worker's enrichment path."""
    from streams.enrich.pipeline import EnrichStageError

    def predict(docs: Sequence[Document]) -> list[list[Span]]:
        out: list[list[Span]] = []
        for result in enricher.enrich_batch(docs):
            if isinstance(result, EnrichStageError):
                raise result
            out.append([(m.field, m.start, m.end, e.type) for e in result.entities for m in e.mentions])
        return out

    return predict


def _batches(items: Sequence[AlignedDoc], size: int) -> Iterator[Sequence[AlignedDoc]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def evaluate_ner(
    data_dir: Path,
    predict: Predictor,
    *,
    limit: int | None = None,
    predictions_dir: Path | None = None,
    batch_size: int = 16,
) -> dict[str, float]:
    """Score ``predict`` on ``data_dir/conll2003/dev.conll``; returns flat ``ner.conll.*`` report keys."""
    docs = [align(d) for d in read_conll(data_dir / DEV_FILE)]
    return score_aligned(docs, predict, "ner.conll", limit=limit, predictions_dir=predictions_dir, batch_size=batch_size)


def score_aligned(
    docs: Sequence[AlignedDoc],
    predict: Predictor,
    prefix: str,
    *,
    limit: int | None = None,
    predictions_dir: Path | None = None,
    batch_size: int = 16,
) -> dict[str, float]:
    """Exact-match scores of ``predict`` on aligned gold documents, as ``<prefix>.*`` report keys.

    Writes ``<predictions_dir>/<prefix without "ner.", default "ner">.jsonl`` when a folder is given.
    """
    if limit is not None:
        docs = docs[:limit]
    gold: list[tuple[str, Chunk]] = []
    pred: list[tuple[str, Chunk]] = []
    rows: list[dict[str, object]] = []
    for batch in _batches(docs, batch_size):
        for aligned, spans in zip(batch, predict([a.document for a in batch]), strict=True):
            chunks = snap(aligned, spans)
            key = aligned.document.id
            gold.extend((key, c) for c in iob_chunks(aligned.tags))
            pred.extend((key, c) for c in chunks)
            rows.append({"id": key, "entities": [{"start_token": s, "end_token": e, "type": t} for s, e, t in chunks]})
    if predictions_dir is not None:
        predictions_dir.mkdir(parents=True, exist_ok=True)
        name = "ner" if prefix == "ner.conll" else prefix.replace(".", "_")
        with (predictions_dir / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    report: dict[str, float] = {
        f"{prefix}.f1_per_org_loc": count(gold, pred, ("PER", "ORG", "LOC")).f1,
        f"{prefix}.f1_all": count(gold, pred).f1,
        f"{prefix}.documents": float(len(docs)),
    }
    for t in CONLL_TYPES:
        c = count(gold, pred, (t,))
        report[f"{prefix}.per_type.{t}.precision"] = c.precision
        report[f"{prefix}.per_type.{t}.recall"] = c.recall
        report[f"{prefix}.per_type.{t}.f1"] = c.f1
    return report
