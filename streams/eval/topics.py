"""IPTC topic evaluation on four kinds of set; every scorer reads any file (or folder) of the same layout.

| set | file under the data dir | layout | gold |
|---|---|---|---|
| ``bbc`` | ``bbc-news/articles.jsonl`` | ``{id, category, headline, body}`` | category mapped (business -> 04000000, ...) |
| ``huffpost`` | ``huffpost/dev.jsonl`` | ``{id, headline, iptc}`` | ``iptc`` (rows with null left out); headline only |
| ``masakhanews`` | ``masakhanews-en/dev.jsonl`` | ``{id, headline, body, iptc}`` | ``iptc`` |
| ``own`` | ``tests/data/topics/`` (in the repo) | ``<top-level slug>/<story file>`` in the seed formats | folder |

A story counts as correct when the model's best TOP-LEVEL topic, chosen among all 17, is the gold one. Per set:
``topics.<set>.accuracy``, ``.macro_f1`` (mean F1 over the gold topics present; predictions of other topics count
as errors), ``.ece`` (expected calibration error of the best topic's confidence, 15 equal-width bins),
``.recall.<slug>`` and ``.f1.<slug>`` per gold topic, ``.routed_precision`` and ``.routed_recall`` (the
(story, topic) pairs whose confidence reaches ``route_min_confidence``), and ``.docs``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from schemas.models import Topic
from streams.enrich.document import Document
from streams.enrich.iptc import TOP_LEVEL, by_code
from streams.enrich.topics import TopicModel

log = logging.getLogger(__name__)

OWN_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "topics"
SET_FILES = {
    "bbc": Path("bbc-news") / "articles.jsonl",
    "huffpost": Path("huffpost") / "dev.jsonl",
    "masakhanews": Path("masakhanews-en") / "dev.jsonl",
}
SETS = ("bbc", "huffpost", "masakhanews", "own")
BBC_TO_IPTC = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}
SLUG_TO_CODE = {t.slug: t.code for t in TOP_LEVEL}
Item = tuple[Document, str]  # (document, gold top-level IPTC code)


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_bbc(path: Path) -> list[Item]:
    """(document, mapped gold code) for every article of a BBC JSONL file, in file order."""
    return [
        (Document(str(r["id"]), str(r["headline"]), str(r["body"]), "en"), BBC_TO_IPTC[str(r["category"])])
        for r in _jsonl(path)
    ]


def read_huffpost(path: Path) -> list[Item]:
    """HuffPost rows with an IPTC code: the headline alone (the set has no body)."""
    return [(Document(str(r["id"]), str(r["headline"]), "", "en"), str(r["iptc"])) for r in _jsonl(path) if r.get("iptc")]


def read_masakhanews(path: Path) -> list[Item]:
    """MasakhaNEWS rows (headline, body, iptc)."""
    return [
        (Document(str(r["id"]), str(r["headline"]), str(r["body"]), "en"), str(r["iptc"]))
        for r in _jsonl(path)
        if r.get("iptc")
    ]


def read_own(folder: Path) -> list[Item]:
    """Stories under ``folder/<top-level slug>/``, each file parsed as the worker parses a message."""
    from streams.ingest import parse_message

    out: list[Item] = []
    for path in sorted(p for p in folder.glob("*/*") if p.is_file()):
        code = SLUG_TO_CODE.get(path.parent.name)
        if code is None:
            log.warning("topics.own: %s is not under a top-level topic slug, skipped", path)
            continue
        story = parse_message(path.read_bytes(), received_at=datetime(2026, 1, 1, tzinfo=UTC))
        out.append((Document.of_story(story), code))
    return out


READERS: dict[str, Callable[[Path], list[Item]]] = {
    "bbc": read_bbc,
    "huffpost": read_huffpost,
    "masakhanews": read_masakhanews,
    "own": read_own,
}


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 15) -> float:
    """Sum over equal-width confidence bins of (share of items) x |accuracy - mean confidence|."""
    if not confidences:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        rows = [i for i, c in enumerate(confidences) if (lo < c <= hi) or (b == 0 and c == 0.0)]
        if rows:
            acc = sum(bool(correct[i]) for i in rows) / len(rows)
            conf = sum(confidences[i] for i in rows) / len(rows)
            total += len(rows) / len(confidences) * abs(acc - conf)
    return total


def f1_per_class(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """F1 of each label (0 for a label never predicted correctly)."""
    out = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def score_set(
    name: str,
    items: Sequence[Item],
    predicted: Sequence[Sequence[Topic]],
    route_min_confidence: float = 0.5,
) -> dict[str, float]:
    """The report keys of one set from its gold codes and the model's topics (see the module docstring)."""
    gold = [code for _, code in items]
    best = [next(t for t in topics if t.level == 1) for topics in predicted]
    pred = [t.code for t in best]
    labels = sorted(set(gold))
    f1 = f1_per_class(gold, pred, labels)
    correct = [g == p for g, p in zip(gold, pred, strict=True)]
    prefix = f"topics.{name}"
    routed = [[t.code for t in topics if t.level == 1 and t.confidence >= route_min_confidence] for topics in predicted]
    n_routed = sum(len(r) for r in routed)
    hits = sum(g in r for g, r in zip(gold, routed, strict=True))
    report = {
        f"{prefix}.accuracy": round(sum(correct) / len(items), 4),
        f"{prefix}.macro_f1": round(sum(f1.values()) / len(f1), 4),
        f"{prefix}.ece": round(expected_calibration_error([t.confidence for t in best], correct), 4),
        f"{prefix}.routed_precision": round(hits / n_routed, 4) if n_routed else 0.0,
        f"{prefix}.routed_recall": round(hits / len(items), 4),
        f"{prefix}.docs": float(len(items)),
    }
    for code in labels:
        slug = by_code[code].slug
        rows = [p for g, p in zip(gold, pred, strict=True) if g == code]
        report[f"{prefix}.recall.{slug}"] = round(sum(p == code for p in rows) / len(rows), 4)
        report[f"{prefix}.f1.{slug}"] = round(f1[code], 4)
    return report


def evaluate_topic_set(
    name: str,
    path: Path,
    model: TopicModel | None = None,
    limit: int | None = None,
    predictions_dir: Path | None = None,
    route_min_confidence: float = 0.5,
) -> dict[str, float]:
    """Score ``model`` (default: the shipped one) on the file or folder ``path`` read as set ``name``.

    ``{}`` (with a logged message) when ``path`` is missing or empty. ``limit`` keeps the first N stories. With
    ``predictions_dir``, writes ``topics.<name>.jsonl`` rows ``{"id", "gold", "pred", "topics"}``.
    """
    if not path.exists():
        log.warning("topics.%s: %s not found, skipping", name, path)
        return {}
    items = READERS[name](path)[:limit]
    if not items:
        return {}
    model = model or TopicModel.load()
    predicted = model.predict([doc for doc, _ in items])
    report = score_set(name, items, predicted, route_min_confidence)
    if predictions_dir is not None:
        predictions_dir.mkdir(parents=True, exist_ok=True)
        with (predictions_dir / f"topics.{name}.jsonl").open("w", encoding="utf-8") as fh:
            for (doc, g), topics in zip(items, predicted, strict=True):
                pred = next(t.code for t in topics if t.level == 1)
                scored = [{"code": t.code, "confidence": t.confidence} for t in topics]
                fh.write(json.dumps({"id": doc.id, "gold": g, "pred": pred, "topics": scored}) + "\n")
    return report


def set_path(name: str, data_dir: Path) -> Path:
    """Where set ``name`` is read from: under ``data_dir``, or the repo's ``tests/data/topics`` for ``own``."""
    return OWN_DIR if name == "own" else Path(data_dir) / SET_FILES[name]


def evaluate_topics(
    data_dir: Path,
    model: TopicModel | None = None,
    limit: int | None = None,
    predictions_dir: Path | None = None,
    sets: Sequence[str] = SETS,
    route_min_confidence: float = 0.5,
) -> dict[str, float]:
    """Score ``model`` on each of ``sets`` (default all four); keys ``topics.<set>.*``, missing sets skipped."""
    model = model or TopicModel.load()
    report: dict[str, float] = {}
    for name in sets:
        report.update(
            evaluate_topic_set(name, set_path(name, data_dir), model, limit, predictions_dir, route_min_confidence)
        )
    return report
