"""Stage ``topics``: IPTC Media Topics with confidences, and the story vector of the topic encoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from streams.enrich.config import EnrichConfig
from streams.enrich.stage import StoryState, Update
from streams.enrich.topics import TopicModel, has_body


@lru_cache(maxsize=4)
def load_topic_model(model_dir: Path | None, threads: int) -> TopicModel:
    """One topic model per (directory, threads) in a process."""
    return TopicModel.load(model_dir, threads=threads)


@dataclass(frozen=True)
class TopicsStage:
    """Top-level (and confident second-level) IPTC topics of each story, best first."""

    model: TopicModel
    name: str = "topics"
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("topics", "embedding")

    @property
    def version(self) -> str:
        return self.model.version

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        docs = [s.doc for s in batch]
        embeddings = self.model.embed(docs)
        topics = self.model.predict_embedded(embeddings, has_body(docs))
        return [{"topics": t, "embedding": e} for t, e in zip(topics, embeddings, strict=True)]


def build(config: EnrichConfig) -> TopicsStage:
    return TopicsStage(load_topic_model(config.topics_model_dir, config.threads))
