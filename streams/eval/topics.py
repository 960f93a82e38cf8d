"""IPTC topic evaluation on the BBC news set (``bbc-news/articles.jsonl``).

Each BBC category is mapped to one top-level IPTC topic (business -> medtop:04000000, entertainment ->
medtop:01000000, politics -> medtop:11000000, sport -> medtop:15000000, tech -> medtop:13000000). A story counts as
correct when the model's best TOP-LEVEL topic, chosen among all 17 top-level topics, is the mapped one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from streams.enrich.document import Document
from streams.enrich.topics import TopicModel

log = logging.getLogger(__name__)

BBC_FILE = Path("bbc-news") / "articles.jsonl"
BBC_TO_IPTC = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}


def read_bbc(path: Path) -> list[tuple[Document, str]]:
    """(document, mapped gold IPTC code) for every article of a BBC JSONL file, in file order."""
    out: list[tuple[Document, str]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                doc = Document(str(row["id"]), str(row["headline"]), str(row["body"]), "en")
                out.append((doc, BBC_TO_IPTC[str(row["category"])]))
    return out


def f1_per_class(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """F1 of each label (0 for a label never predicted correctly)."""
    out = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def evaluate_topics(
    data_dir: Path, model: TopicModel | None = None, limit: int | None = None, predictions_dir: Path | None = None
) -> dict[str, float]:
    """Score ``model`` (default: the shipped one) on ``bbc-news/articles.jsonl`` under ``data_dir``.

    Returns ``topics.bbc.accuracy`` (top-1 over all 17 top-level topics vs the mapped BBC label),
    ``topics.bbc.macro_f1`` (mean F1 over the five mapped classes; predictions of the other 12 topics count as
    errors), ``topics.bbc.f1.<category>``, ``topics.bbc.recall.<category>`` and ``topics.bbc.docs``; ``{}`` (with a
    logged message) when the file is missing. ``limit`` keeps the first N articles. With ``predictions_dir``, writes
    ``topics.bbc.jsonl`` rows ``{"id", "gold", "pred", "topics"}`` (topics: code and confidence, best first).
    """
    path = Path(data_dir) / BBC_FILE
    if not path.is_file():
        log.warning("topics: %s not found under %s, skipping", BBC_FILE, data_dir)
        return {}
    items = read_bbc(path)[:limit]
    if not items:
        return {}
    model = model or TopicModel.load()
    predicted = model.predict([doc for doc, _ in items])
    gold = [code for _, code in items]
    pred = [next(t.code for t in topics if t.level == 1) for topics in predicted]
    classes = list(BBC_TO_IPTC.values())
    f1 = f1_per_class(gold, pred, classes)
    report = {
        "topics.bbc.accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / len(items), 4),
        "topics.bbc.macro_f1": round(sum(f1.values()) / len(f1), 4),
        "topics.bbc.docs": float(len(items)),
    }
    for category, code in BBC_TO_IPTC.items():
        rows = [p for g, p in zip(gold, pred, strict=True) if g == code]
        report[f"topics.bbc.f1.{category}"] = round(f1[code], 4)
        report[f"topics.bbc.recall.{category}"] = round(sum(p == code for p in rows) / len(rows), 4) if rows else 0.0
    if predictions_dir is not None:
        predictions_dir.mkdir(parents=True, exist_ok=True)
        with (predictions_dir / "topics.bbc.jsonl").open("w", encoding="utf-8") as fh:
            for (doc, g), p, topics in zip(items, pred, predicted, strict=True):
                scored = [{"code": t.code, "confidence": t.confidence} for t in topics]
                fh.write(json.dumps({"id": doc.id, "gold": g, "pred": p, "topics": scored}) + "\n")
    return report
