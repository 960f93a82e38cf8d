"""Target-dependent stance: how a news sentence treats one entity (negative / neutral / positive).

:class:`StanceModel` runs the shipped int8 ONNX model (MiniLM fine-tuned on NewsMTSC, see
``models/stance/TRAINING.md``) on sentences whose target mentions are marked exactly as in training
(:mod:`streams.enrich.stance_text`). A model trained with every target of a sentence marked (``"marking": "all"``
in its ``config.json``) scores all the queries of one sentence in one forward pass. :func:`aggregate_stance` folds
one entity's sentence-level probabilities into an :class:`EntityStance`; :func:`story_tone` folds entity stances
into a story :class:`Tone`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from schemas.models import Entity, EntityStance, Evidence, Polarity, TextField, Tone
from streams.enrich.onnx_model import make_session
from streams.enrich.stance_text import Row, encode_sentences, encode_targets, load_tokenizer, pad_batch

LABELS: tuple[Polarity, Polarity, Polarity] = ("negative", "neutral", "positive")
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "stance"
EVIDENCE_KEEP = 3
LENGTH_SLACK = 1.5  # a batch holds rows up to this many times (+8 tokens) as long as its shortest one


@dataclass(frozen=True, slots=True)
class StanceQuery:
    """One sentence and the character spans of the target entity's mention(s) inside it."""

    sentence: str
    spans: tuple[tuple[int, int], ...]


class StanceModel:
    """The shipped stance classifier, served by onnxruntime (no torch)."""

    def __init__(self, session: ort.InferenceSession, tokenizer: Tokenizer, config: dict[str, object]) -> None:
        labels = tuple(cast(list[str], config["labels"]))
        if labels != LABELS:
            raise ValueError(f"stance model labels {labels} != {LABELS}")
        self.session = session
        self.tokenizer = tokenizer
        self.max_length = int(cast(int, config["max_length"]))
        self.version = str(config["version"])
        self.outputs = tuple(cast(list[str], config.get("outputs", ["probs"])))
        self.marking = str(config.get("marking", "one"))

    @classmethod
    def load(cls, model_dir: Path | None = None, threads: int = 1) -> StanceModel:
        """Load ``model.onnx``, ``tokenizer.json`` and ``config.json`` (default: the shipped model)."""
        model_dir = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        return cls(
            make_session(model_dir / "model.onnx", threads), load_tokenizer(model_dir / "tokenizer.json"), config
        )

    def predict(self, queries: Sequence[StanceQuery], batch_size: int = 32) -> np.ndarray:
        """Probabilities ``[negative, neutral, positive]`` for each query, shape ``(n, 3)``.

        Rows are batched by length (at most ``batch_size`` a batch). Raises ``ValueError`` when a query has no
        span inside its sentence.
        """
        for i, q in enumerate(queries):
            if not any(0 <= s < e <= len(q.sentence) for s, e in q.spans):
                raise ValueError(f"stance query {i}: no span inside the sentence: {q.spans}")
        if self.outputs == ("probs",):
            return self._predict_probs(queries, batch_size)
        groups: dict[str, list[int]] = {}
        for i, q in enumerate(queries):
            groups.setdefault(q.sentence if self.marking == "all" else str(i), []).append(i)
        members = list(groups.values())
        encoded = encode_sentences(
            self.tokenizer, [(queries[g[0]].sentence, [queries[i].spans for i in g]) for g in members], self.max_length
        )
        rows = [(row, [g[k] for k, _ in row.targets]) for g, rs in zip(members, encoded, strict=True) for row in rs]
        out = np.zeros((len(queries), len(LABELS)), dtype=np.float32)
        for batch in length_batches([len(r.ids) for r, _ in rows], batch_size):
            out[[i for j in batch for i in rows[j][1]]] = self._run([rows[j][0] for j in batch])
        return out

    def _run(self, rows: Sequence[Row]) -> np.ndarray:
        """Probabilities of every target the ``rows`` serve, in row then target order."""
        input_ids, mask = pad_batch([r.ids for r in rows])
        tokens, sentence = self.session.run(["token_logits", "sentence_logits"], {"input_ids": input_ids, "attention_mask": mask})
        logits = np.array([tokens[i, p].mean(axis=0) + sentence[i] for i, r in enumerate(rows) for _, p in r.targets])
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return cast(np.ndarray, e / e.sum(axis=1, keepdims=True))

    def _predict_probs(self, queries: Sequence[StanceQuery], batch_size: int) -> np.ndarray:
        """Graphs that output ``probs``: one row per query, only its own target marked."""
        ids = encode_targets(self.tokenizer, [(q.sentence, q.spans) for q in queries], self.max_length)
        out = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
        for rows in length_batches([len(i) for i in ids], batch_size):
            input_ids, mask = pad_batch([ids[j] for j in rows])
            out[rows] = self.session.run(["probs"], {"input_ids": input_ids, "attention_mask": mask})[0]
        return out


def length_batches(lengths: Sequence[int], batch_size: int, slack: float = LENGTH_SLACK) -> list[list[int]]:
    """Indices grouped into batches of similar length: at most ``batch_size`` each, little padding."""
    batches: list[list[int]] = []
    for j in sorted(range(len(lengths)), key=lambda j: lengths[j]):
        current = batches[-1] if batches else None
        if current is None or len(current) >= batch_size or lengths[j] > slack * lengths[current[0]] + 8:
            batches.append([j])
        else:
            current.append(j)
    return batches


def _scores(p: np.ndarray) -> dict[Polarity, float]:
    return {label: round(float(v), 4) for label, v in zip(LABELS, p, strict=True)}


def aggregate_stance(probs: np.ndarray, evidence: Sequence[tuple[str, str, int, int]]) -> EntityStance:
    """Stance toward one entity from its ``k`` sentences.

    ``probs`` is ``(k, 3)``; ``evidence[i] = (sentence_text, field, start, end)`` describes sentence ``i``.
    A sentence whose text repeats an earlier one (a headline repeated as the lead) counts once. Sentences are
    averaged weighted by their own confidence (max probability), so hesitant sentences count less; the
    confidence is the weighted mean probability of the chosen polarity. Evidence: the (up to) 3 distinct
    sentences with the highest probability of the chosen polarity, strongest first.
    """
    probs = np.asarray(probs, dtype=np.float64).reshape(-1, len(LABELS))
    if len(probs) == 0 or len(probs) != len(evidence):
        raise ValueError(f"need one evidence tuple per probability row, got {len(probs)} rows, {len(evidence)} tuples")
    first: dict[str, int] = {}
    for i, (sentence, *_) in enumerate(evidence):
        first.setdefault(" ".join(sentence.split()).casefold(), i)
    keep = sorted(first.values())
    probs = probs[keep]
    weights = probs.max(axis=1)
    mean = (probs * weights[:, None]).sum(axis=0) / weights.sum()
    chosen = int(mean.argmax())
    strongest = np.argsort(-probs[:, chosen], kind="stable")[:EVIDENCE_KEEP]
    items = []
    for i in strongest:
        sentence, field, start, end = evidence[keep[i]]
        own = int(probs[i].argmax())
        items.append(
            Evidence(
                sentence=sentence,
                field=cast(TextField, field),
                start=start,
                end=end,
                polarity=LABELS[own],
                confidence=round(float(probs[i, own]), 4),
            )
        )
    return EntityStance(
        polarity=LABELS[chosen], confidence=round(float(mean[chosen]), 4), scores=_scores(mean), evidence=items
    )


def story_tone(entities: Sequence[Entity]) -> Tone:
    """Tone of a story: the entities' stance scores averaged, weighted by salience.

    Entities of zero salience count only when no entity has salience. With no stance at all the tone is
    neutral with confidence 0.
    """
    with_stance = [e for e in entities if e.stance is not None]
    if not with_stance:
        return Tone(polarity="neutral", score=0.0, confidence=0.0)
    weights = np.array([e.salience for e in with_stance], dtype=np.float64)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    scores = np.array([[e.stance.scores.get(label, 0.0) for label in LABELS] for e in with_stance if e.stance])
    mean = (scores * weights[:, None]).sum(axis=0) / weights.sum()
    chosen = int(mean.argmax())
    score = float(np.clip(mean[2] - mean[0], -1.0, 1.0))
    return Tone(polarity=LABELS[chosen], score=round(score, 4), confidence=round(float(mean[chosen]), 4))


__all__ = [
    "DEFAULT_MODEL_DIR",
    "LABELS",
    "StanceModel",
    "StanceQuery",
    "aggregate_stance",
    "length_batches",
    "story_tone",
]
