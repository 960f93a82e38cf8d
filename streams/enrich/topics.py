"""IPTC Media Topics for a story: calibrated top-level topics with confidences, plus confident second-level ones.

The story is read as up to ``max_chunks`` windows of ``chunk_tokens`` tokens (headline + consecutive parts of the
body, :mod:`streams.enrich.topic_text`); a fine-tuned MiniLM (int8 ONNX, mean pooled) embeds each window, the
windows' embeddings are averaged, and two linear heads stored in ``head.npz`` give a temperature-scaled softmax over
the 17 top-level topics and, for each top-level topic, a softmax over its second-level children. A story read in one
headline alone and a story with body text each have their own fitted temperature, so that confidences are
calibrated for both. How the model was trained is in ``models/topics/TRAINING.md``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schemas.models import Topic
from streams.enrich.document import Document
from streams.enrich.iptc import by_code
from streams.enrich.onnx_model import OnnxEncoder
from streams.enrich.topic_text import document_chunk_ids

DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "topics"


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True, slots=True)
class TopicThresholds:
    """When a topic besides the best top-level one is returned.

    ``extra_top``: another top-level topic needs at least this probability; ``second_level``: a second-level topic
    needs P(parent) * P(child | parent) at least this.
    """

    extra_top: float = 0.25
    second_level: float = 0.35


@dataclass(frozen=True, slots=True)
class ReadingWindow:
    """How much of a story the encoder reads: ``max_chunks`` windows of at most ``chunk_tokens`` tokens."""

    chunk_tokens: int = 128
    max_chunks: int = 2


def has_body(docs: Sequence[Document]) -> list[bool]:
    """Whether each story has body text (a headline alone is calibrated with its own temperature)."""
    return [bool(d.body.strip()) for d in docs]


class TopicModel:
    """The shipped topic classifier (onnxruntime + numpy; no torch).

    Each story is one encoder batch (its own windows): dynamic int8 quantization scales activations per batch, so
    stories are never batched together and a story's confidences do not depend on its neighbours.
    """

    def __init__(
        self,
        encoder: OnnxEncoder,
        head: dict[str, np.ndarray],
        version: str,
        thresholds: TopicThresholds,
        window: ReadingWindow | None = None,
    ) -> None:
        self.encoder = encoder
        self.encoder.tokenizer.no_truncation()  # windows are cut by topic_text, not by the tokenizer
        self.version = version
        self.thresholds = thresholds
        self.window = window or ReadingWindow()
        self.top_codes = [str(c) for c in head["top_codes"]]
        self.top_w, self.top_b = head["top_w"], head["top_b"]
        self.sub_codes = [str(c) for c in head["sub_codes"]]
        self.sub_w, self.sub_b = head["sub_w"], head["sub_b"]
        self.temperature = float(head["temperature"])  # a headline alone
        self.temperature_body = float(head.get("temperature_body", head["temperature"]))  # a story with body text
        unknown = [c for c in self.top_codes + self.sub_codes if c not in by_code]
        if unknown:
            raise ValueError(f"topic head names codes missing from the IPTC table: {unknown}")
        # Columns of the second-level head that belong to each top-level topic.
        self._children = {
            top: np.array([j for j, c in enumerate(self.sub_codes) if by_code[c].parent == top], dtype=np.int64)
            for top in self.top_codes
        }

    @classmethod
    def load(cls, model_dir: Path | None = None, threads: int = 1) -> TopicModel:
        """Load ``model.onnx``, ``tokenizer.json``, ``head.npz`` and ``config.json`` (default: the shipped model).

        ``config.json`` gives ``chunk_tokens`` and ``max_chunks``; a model directory with only ``max_length`` (the
        first model) reads one window of that many tokens.
        """
        model_dir = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        chunk_tokens = int(config.get("chunk_tokens", config.get("max_length", 128)))
        window = ReadingWindow(chunk_tokens, int(config.get("max_chunks", 1)))
        encoder = OnnxEncoder(model_dir, max_length=chunk_tokens, threads=threads)
        with np.load(model_dir / "head.npz") as npz:
            head = {k: npz[k] for k in npz.files}
        return cls(encoder, head, str(config["version"]), TopicThresholds(**config["thresholds"]), window)

    def chunks(self, doc: Document) -> list[list[int]]:
        """The token windows the encoder reads for ``doc``."""
        return document_chunk_ids(
            self.encoder.tokenizer, doc, chunk_tokens=self.window.chunk_tokens, max_chunks=self.window.max_chunks
        )

    def encode_windows(self, windows: Sequence[Sequence[int]]) -> np.ndarray:
        """Normalised embeddings ``(len(windows), d)`` of token windows run as one padded batch."""
        width = max(len(w) for w in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in {i.name for i in self.encoder.session.get_inputs()}:
            feed["token_type_ids"] = np.zeros_like(ids)
        return np.asarray(self.encoder.session.run(self.encoder.output_names[:1], feed)[0], dtype=np.float32)

    def embed(self, docs: Sequence[Document]) -> np.ndarray:
        """Story embeddings, shape ``(n, d)``: the normalised mean of each story's window embeddings."""
        out = np.zeros((len(docs), self.top_w.shape[1]), dtype=np.float32)
        for row, doc in enumerate(docs):
            mean = self.encode_windows(self.chunks(doc)).mean(axis=0)
            out[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return out

    def temperatures(self, has_body: Sequence[bool] | np.ndarray | None, n: int) -> np.ndarray:
        """The softmax temperature of each of ``n`` stories (``has_body`` None: every story has body text)."""
        if has_body is None:
            return np.full(n, self.temperature_body)
        return np.where(np.asarray(has_body, dtype=bool), self.temperature_body, self.temperature)

    def probabilities(
        self, embeddings: np.ndarray, has_body: Sequence[bool] | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated P(top-level topic) ``(n, 17)`` and raw second-level logits ``(n, k)`` for ``embeddings``."""
        temperature = self.temperatures(has_body, len(embeddings))[:, None]
        top = softmax((embeddings @ self.top_w.T + self.top_b) / temperature)
        return top, embeddings @ self.sub_w.T + self.sub_b

    def predict(self, docs: Sequence[Document]) -> list[list[Topic]]:
        """Per document: its topics, confidence descending; always at least the best top-level topic."""
        return self.predict_embedded(self.embed(docs), has_body(docs)) if docs else []

    def predict_embedded(
        self, embeddings: np.ndarray, has_body: Sequence[bool] | np.ndarray | None = None
    ) -> list[list[Topic]]:
        """:meth:`predict` for documents embedded with :meth:`embed`; ``has_body``: :func:`has_body` of them
        (None: every story has body text)."""
        top, sub_logits = self.probabilities(embeddings, has_body)
        return [self._topics(top[i], sub_logits[i]) for i in range(len(embeddings))]

    def _topics(self, top: np.ndarray, sub_logits: np.ndarray) -> list[Topic]:
        best = int(top.argmax())
        chosen = [j for j in range(len(top)) if j == best or top[j] >= self.thresholds.extra_top]
        topics = [self._topic(self.top_codes[j], float(top[j])) for j in chosen]
        for j in chosen:
            children = self._children[self.top_codes[j]]
            if children.size == 0:
                continue
            given_parent = softmax(sub_logits[children][None, :])[0]
            k = int(given_parent.argmax())
            confidence = float(top[j] * given_parent[k])
            if confidence >= self.thresholds.second_level:
                topics.append(self._topic(self.sub_codes[children[k]], confidence))
        return sorted(topics, key=lambda t: (-t.confidence, t.level))

    @staticmethod
    def _topic(code: str, confidence: float) -> Topic:
        topic = by_code[code]
        return Topic(
            code=code,
            name=topic.name,
            level=topic.level,
            parent=topic.parent,
            slug=topic.slug,
            confidence=round(min(max(confidence, 0.0), 1.0), 4),
        )
