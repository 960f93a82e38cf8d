"""Stage ``entities``: NER (the trained ONNX model or spaCy) + post-rules, mentions clustered into entities, ranked
by salience, capped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from schemas.models import Entity, Mention
from streams.enrich.clustering import Cluster, cluster_mentions, propagate
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.entities import EntityRecognizer
from streams.enrich.mentions import DocEntities
from streams.enrich.salience import salience
from streams.enrich.stage import StoryState, Update
from streams.enrich.truecase import casing

ENTITIES_TRUNCATED = "entities_truncated"


class Recognizer(Protocol):
    """What the stage needs of a recogniser (spaCy's :class:`EntityRecognizer`, the ONNX model's)."""

    @property
    def version(self) -> str: ...

    def recognize(self, docs: Sequence[Document]) -> list[DocEntities]: ...


@lru_cache(maxsize=4)
def load_recognizer(model: str, threads: int) -> EntityRecognizer:
    """One recognizer per (model, threads) in a process, shared by every pipeline that asks for it.

    Raises FileNotFoundError for a model that is neither an installed package nor a folder.
    """
    import spacy.util

    if not (spacy.util.is_package(model) or Path(model).is_dir()):
        raise FileNotFoundError(f"spaCy model {model!r} is neither an installed package nor a folder")
    return EntityRecognizer.load(model, threads=threads)


@dataclass(frozen=True)
class EntitiesStage:
    """Sentences and entity mentions of each story, clustered into at most ``max_entities`` entities."""

    recognizer: Recognizer
    max_entities: int
    name: str = "entities"
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("analysis", "entities", "notes")

    @property
    def version(self) -> str:
        return self.recognizer.version

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        analyses = self.recognizer.recognize([s.doc for s in batch])
        out: list[Update] = []
        for state, analysis in zip(batch, analyses, strict=True):
            clusters = cluster_mentions(analysis.mentions)
            propagate(state.doc, clusters, analysis.sentences, casing())
            ranked = sorted(zip(clusters, salience(clusters), strict=True), key=lambda cs: (-cs[1], _first_position(cs[0])))
            update: dict[str, object] = {"analysis": analysis, "entities": _entities(ranked[: self.max_entities])}
            if len(ranked) > self.max_entities:
                update["notes"] = [ENTITIES_TRUNCATED]
            out.append(update)
        return out


def _entities(ranked: list[tuple[Cluster, float]]) -> list[Entity]:
    return [
        Entity(
            id=f"e{i}",
            name=c.name,
            type=c.type,
            salience=round(s, 6),
            mentions=[Mention(text=m.text, field=m.field, start=m.start, end=m.end, sentence=m.sentence) for m in c.mentions],
        )
        for i, (c, s) in enumerate(ranked, start=1)
    ]


def _first_position(c: Cluster) -> tuple[bool, int]:
    m = c.mentions[0]
    return (m.field != "headline", m.start)


@lru_cache(maxsize=4)
def load_model_recognizer(model_dir: Path | None, threads: int) -> Recognizer:
    """The trained ONNX recogniser of ``model_dir`` (default the shipped one), once per process.

    Raises FileNotFoundError when the folder has no ``model.onnx``.
    """
    from streams.enrich.ner_model import DEFAULT_MODEL_DIR, OnnxEntityRecognizer

    return OnnxEntityRecognizer.load(model_dir or DEFAULT_MODEL_DIR, threads=threads)


def build(config: EnrichConfig) -> EntitiesStage:
    """The stage with the configured recogniser (``config.ner_recognizer``: ``"model"`` or ``"spacy"``)."""
    if config.ner_recognizer == "model":
        return EntitiesStage(load_model_recognizer(config.ner_model_dir, config.threads), config.max_entities)
    if config.ner_recognizer != "spacy":
        raise ValueError(f"unknown ner_recognizer {config.ner_recognizer!r}: use 'model' or 'spacy'")
    return EntitiesStage(load_recognizer(config.spacy_model, config.threads), config.max_entities)
