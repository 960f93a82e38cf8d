"""Stance evaluation on NewsMTSC dev files (``newsmtsc/dev_rw.jsonl``, ``newsmtsc/dev_mt.jsonl``).

Every target is one :class:`StanceQuery`: its gold mention span (``sentence[from:to] == mention``, so ``to``
is exclusive) followed by its ``further_mentions``, exactly as the model was trained; a model that marks every
target of a sentence (``"marking": "all"``) reads all the targets of one sentence in one row, as it does in a
story. Scores: macro-F1 over negative/neutral/positive (as in the NewsMTSC paper) and accuracy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streams.enrich.stance import LABELS, StanceModel, StanceQuery

log = logging.getLogger(__name__)

SPLITS = {"newsmtsc_rw": Path("newsmtsc") / "dev_rw.jsonl", "newsmtsc_mt": Path("newsmtsc") / "dev_mt.jsonl"}
POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}


@dataclass(frozen=True, slots=True)
class GoldTarget:
    """One annotated target: its id (``Input.gid``), query and gold polarity."""

    id: str
    query: StanceQuery
    gold: str


def read_targets(path: Path) -> list[GoldTarget]:
    """Targets of a NewsMTSC JSONL file, in file order."""
    out: list[GoldTarget] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            sentence = row["sentence_normalized"]
            for t in row["targets"]:
                spans = [(t["from"], t["to"])] + [(m["from"], m["to"]) for m in t.get("further_mentions") or []]
                query = StanceQuery(sentence=sentence, spans=tuple(spans))
                out.append(GoldTarget(id=t["Input.gid"], query=query, gold=POLARITY[float(t["polarity"])]))
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> float:
    """Mean over ``labels`` of each label's F1 (0 for a label never predicted correctly)."""
    f1s = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def evaluate_stance(
    data_dir: Path, model: StanceModel | None = None, limit: int | None = None, predictions_dir: Path | None = None
) -> dict[str, float]:
    """Score ``model`` (default: the shipped one) on the NewsMTSC dev files under ``data_dir``.

    Returns ``stance.<split>.{f1m,accuracy,targets}`` for each split found; ``{}`` (with a logged message)
    when neither file exists. ``limit`` keeps the first N targets of each split. With ``predictions_dir``,
    writes ``stance.<split>.jsonl`` rows ``{"id", "gold", "pred", "probs"}``.
    """
    present = {name: Path(data_dir) / rel for name, rel in SPLITS.items() if (Path(data_dir) / rel).is_file()}
    for name, rel in SPLITS.items():
        if name not in present:
            log.warning("stance: %s not found under %s, skipping %s", rel, data_dir, name)
    if not present:
        return {}
    model = model or StanceModel.load()
    report: dict[str, float] = {}
    for name, path in present.items():
        targets = read_targets(path)[:limit]
        probs = model.predict([t.query for t in targets]) if targets else np.zeros((0, len(LABELS)))
        pred = [LABELS[int(i)] for i in probs.argmax(axis=1)] if targets else []
        gold = [t.gold for t in targets]
        report[f"stance.{name}.f1m"] = round(macro_f1(gold, pred), 4)
        correct = sum(g == p for g, p in zip(gold, pred, strict=True))
        report[f"stance.{name}.accuracy"] = round(correct / len(targets), 4) if targets else 0.0
        report[f"stance.{name}.targets"] = float(len(targets))
        if predictions_dir is not None:
            predictions_dir.mkdir(parents=True, exist_ok=True)
            with (predictions_dir / f"stance.{name}.jsonl").open("w", encoding="utf-8") as fh:
                for t, p, row in zip(targets, pred, probs, strict=True):
                    probs_out = {label: round(float(v), 4) for label, v in zip(LABELS, row, strict=True)}
                    fh.write(json.dumps({"id": t.id, "gold": t.gold, "pred": p, "probs": probs_out}) + "\n")
    return report
