"""Quote attribution evaluation on PolNeAR (``polnear/dev.jsonl``; any file of that layout scores the same way).

Each article's text goes through the quotes extractor as a body-only document (offsets are the file's), with the
story's entities when an entity recogniser is given. Gold and predicted contents are compared as sets of word
tokens (``\\w+`` runs, so quote marks and punctuation at the edges do not count) over their fragments:

* ``content_f1``: a prediction matches a gold content with exactly the same tokens;
* ``content_f1_overlap``: shared tokens / the larger of the two token counts >= 0.5;
* ``speaker_accuracy``: over overlap-matched pairs whose gold has a source, the predicted speaker span overlaps
  the gold source span, or resolves to the entity of a mention overlapping it.

Pairs are matched one to one, best overlap first. Per kind (the SOURCE.md quote-mark heuristic, applied to both
sides): precision counts predictions of that kind, recall gold contents of that kind; ``all`` pools everything.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.models import Entity, QuoteKind
from streams.enrich.document import Document
from streams.enrich.quote_cue_model import CueModel, load
from streams.enrich.quotes import Attribution, attributed_quotes, quote_kind

log = logging.getLogger(__name__)

DEV_FILE = Path("polnear") / "dev.jsonl"
KINDS: tuple[str, ...] = ("direct", "mixed", "indirect", "all")
OVERLAP = 0.5
_TOKEN = re.compile(r"\w+")

#: Gives a document's entities (the real recogniser + clustering in ``wirestream eval``).
EntityFinder = Callable[[Sequence[Document]], list[list[Entity]]]


@dataclass(frozen=True, slots=True)
class Item:
    """One content span, gold or predicted, with its speaker span(s) and entity."""

    tokens: frozenset[int]
    kind: QuoteKind
    source: tuple[tuple[int, int], ...]
    entity: str | None = None


def tokens(text: str, fragments: Sequence[Sequence[int]]) -> frozenset[int]:
    """Start offsets of the word tokens inside ``fragments`` of ``text``."""
    return frozenset(m.start() for s, e in fragments for m in _TOKEN.finditer(text, s, e))


def read_articles(path: Path) -> list[dict]:
    """Rows of a PolNeAR JSONL file (``id``, ``text``, ``attributions``)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def gold_items(row: dict) -> list[Item]:
    """The attributions of one article as :class:`Item` (kind by the quote-mark heuristic)."""
    text = row["text"]
    out = []
    for a in row["attributions"]:
        c = a["content"]
        frags = c["fragments"]
        toks = tokens(text, frags)
        if not toks:
            continue
        src = tuple((s, e) for s, e in a["source"]["fragments"]) if a.get("source") else ()
        out.append(Item(toks, quote_kind(" ".join(text[s:e] for s, e in frags)), src))
    return out


def _overlaps(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def match_items(gold: list[Item], pred: list[Item]) -> list[tuple[int, int, float]]:
    """One-to-one (gold, predicted, overlap) pairs with overlap >= :data:`OVERLAP`, best overlap first."""
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            shared = len(g.tokens & p.tokens)
            if shared:
                pairs.append((shared / max(len(g.tokens), len(p.tokens)), i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score >= OVERLAP and i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((i, j, score))
    return out


def _f1(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> float:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_g / n_gold if n_gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_quotes(
    data_dir: Path,
    entity_finder: EntityFinder | None = None,
    limit: int | None = None,
    predictions_dir: Path | None = None,
    *,
    path: Path | None = None,
    cues: CueModel | None = None,
) -> dict[str, float]:
    """``quotes.polnear.<kind>.{content_f1,content_f1_overlap,speaker_accuracy,gold,predicted}``.

    Reads ``path`` (default ``<data_dir>/polnear/dev.jsonl``); ``{}`` when it is missing. ``limit`` keeps the
    first N articles. With ``predictions_dir``, writes ``quotes.polnear.jsonl`` (one row per predicted quote).
    """
    path = Path(path) if path is not None else Path(data_dir) / DEV_FILE
    if not path.is_file():
        log.warning("quotes: %s not found, skipping", path)
        return {}
    rows = read_articles(path)[:limit]
    docs = [Document(id=r["id"], headline="", body=r["text"]) for r in rows]
    entities = entity_finder(docs) if entity_finder is not None else [[] for _ in docs]
    counts = {k: {"gold": 0, "pred": 0, "exact_g": 0, "exact_p": 0, "over_g": 0, "over_p": 0, "spk": 0, "spk_ok": 0} for k in KINDS}
    out_rows: list[dict] = []
    for row, doc, ents in zip(rows, docs, entities, strict=True):
        text = row["text"]
        gold = gold_items(row)
        found = attributed_quotes(doc, ents, cues)
        pred = [predicted_item(text, a, q.kind, q.speaker_entity_id) for a, q in found]
        mention_entity = [(m.start, m.end, e.id) for e in ents for m in e.mentions if m.field == "body"]
        for g in gold:
            for k in (g.kind, "all"):
                counts[k]["gold"] += 1
        for p in pred:
            for k in (p.kind, "all"):
                counts[k]["pred"] += 1
        for i, j, _score in match_items(gold, pred):
            g, p = gold[i], pred[j]
            exact = g.tokens == p.tokens
            for k, side in ((g.kind, "g"), (p.kind, "p"), ("all", "g"), ("all", "p")):
                counts[k][f"over_{side}"] += 1
                counts[k][f"exact_{side}"] += int(exact)
            if g.source:
                ok = _overlaps(p.source, g.source) or (
                    p.entity is not None and any(eid == p.entity and _overlaps([(s, e)], g.source) for s, e, eid in mention_entity)
                )
                for k in (g.kind, "all"):
                    counts[k]["spk"] += 1
                    counts[k]["spk_ok"] += int(ok)
        if predictions_dir is not None:
            out_rows += [{"id": row["id"], **q.model_dump()} for _, q in found]
    report: dict[str, float] = {}
    for k, c in counts.items():
        pre = f"quotes.polnear.{k}"
        report[f"{pre}.content_f1"] = _f1(c["exact_p"], c["pred"], c["exact_g"], c["gold"])
        report[f"{pre}.content_f1_overlap"] = _f1(c["over_p"], c["pred"], c["over_g"], c["gold"])
        report[f"{pre}.speaker_accuracy"] = c["spk_ok"] / c["spk"] if c["spk"] else 0.0
        report[f"{pre}.gold"] = float(c["gold"])
        report[f"{pre}.predicted"] = float(c["pred"])
    report["quotes.polnear.articles"] = float(len(rows))
    if predictions_dir is not None:
        predictions_dir.mkdir(parents=True, exist_ok=True)
        with (predictions_dir / "quotes.polnear.jsonl").open("w", encoding="utf-8") as fh:
            for r in out_rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return report


def enricher_entities(enricher: Any, batch_size: int = 16) -> EntityFinder:
    """An :data:`EntityFinder` running ``enricher`` (an :class:`~streams.enrich.pipeline.Enricher` with the
    ``entities`` stage); a story it fails on gets no entities."""

    def find(docs: Sequence[Document]) -> list[list[Entity]]:
        out: list[list[Entity]] = []
        for i in range(0, len(docs), batch_size):
            for result in enricher.enrich_batch(list(docs[i : i + batch_size])):
                out.append([] if isinstance(result, Exception) else list(result.entities))
        return out

    return find


def predicted_item(text: str, a: Attribution, kind: QuoteKind, entity: str | None) -> Item:
    return Item(tokens(text, a.fragments), kind, (a.speaker,) if a.speaker else (), entity)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m streams.eval.quotes FILE.jsonl [LIMIT]``: print the report of one file without entities, with
    the shipped cue model (dev work)."""
    import sys

    args = list(argv if argv is not None else sys.argv[1:])
    limit = int(args[1]) if len(args) > 1 else None
    report = evaluate_quotes(Path("."), path=Path(args[0]), limit=limit, cues=load())
    for key, value in report.items():
        print(f"{key}\t{value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
