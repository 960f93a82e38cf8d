"""The enrichment pipeline: language check, entities (NER + clustering + salience), IPTC topics, entity stance.

Pure library code (no Kafka). Load the models once with :meth:`Enricher.load`, then call
:meth:`Enricher.enrich_batch`; every stage runs batched over the whole batch. A stage that raises is retried
story by story so only the failing story gets an :class:`EnrichStageError`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from schemas.models import Enrichment, Entity, EntityType, Mention, Tone, Topic
from streams.enrich import resources
from streams.enrich.clustering import Cluster, cluster_mentions, propagate
from streams.enrich.document import Document
from streams.enrich.entities import DEFAULT_MODEL, DocEntities, EntityRecognizer
from streams.enrich.salience import salience

if TYPE_CHECKING:
    from streams.enrich.stance import StanceModel, StanceQuery
    from streams.enrich.topics import TopicModel

T = TypeVar("T")
UNSUPPORTED_LANGUAGE = "unsupported_language"


@dataclass
class EnrichConfig:
    """What :meth:`Enricher.load` loads and how stories are enriched.

    ``threads``: intra-op threads of each model (``WIRESTREAM_ENRICH_THREADS``); ``max_entities``: entities kept
    per story, most salient first (``WIRESTREAM_MAX_ENTITIES``). ``entities``/``topics``/``stance`` switch stages
    (stance needs entities). Stance is computed for the ``stance_max_entities`` most salient entities of the
    ``stance_types``, over at most ``stance_max_sentences`` sentences each (the first ones naming the entity).
    """

    threads: int = 1
    max_entities: int = 200
    entities: bool = True
    topics: bool = True
    stance: bool = True
    detect_language: bool = True
    spacy_model: str = DEFAULT_MODEL
    topics_model_dir: Path | None = None
    stance_model_dir: Path | None = None
    stance_types: tuple[EntityType, ...] = ("PERSON", "ORG", "GPE")
    stance_max_entities: int = 3
    stance_max_sentences: int = 2
    stance_batch_size: int = 32


class EnrichStageError(Exception):
    """A stage failed for one story; carries the stage name, the story id and the cause."""

    def __init__(self, stage: str, doc_id: str, cause: BaseException) -> None:
        super().__init__(f"enrichment stage {stage!r} failed for story {doc_id!r}: {type(cause).__name__}: {cause}")
        self.stage = stage
        self.doc_id = doc_id
        self.cause = cause


@dataclass
class _Work:
    """Per-story state while a batch goes through the stages."""

    doc: Document
    language: str | None
    supported: bool
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    tone: Tone | None = None
    analysis: DocEntities | None = None
    error: EnrichStageError | None = None


class Enricher:
    """Loaded models plus the batched enrichment logic."""

    def __init__(
        self,
        config: EnrichConfig,
        recognizer: EntityRecognizer | None,
        topic_model: TopicModel | None,
        stance_model: StanceModel | None,
    ) -> None:
        self.config = config
        self.recognizer = recognizer
        self.topic_model = topic_model
        self.stance_model = stance_model
        self._casing = {k.lower(): v for k, v in resources.mapping("truecase.tsv").items()}
        self.model_versions: dict[str, str] = {}
        if recognizer is not None:
            self.model_versions["entities"] = recognizer.version
        if topic_model is not None:
            self.model_versions["topics"] = topic_model.version
        if stance_model is not None:
            self.model_versions["stance"] = stance_model.version

    @classmethod
    def load(cls, config: EnrichConfig | None = None) -> Enricher:
        """Load every model the enabled stages need (spaCy, TopicModel, StanceModel), once."""
        config = config or EnrichConfig()
        if config.detect_language:
            from streams.enrich.language import warm_up_language_model

            warm_up_language_model()
        recognizer = (
            EntityRecognizer.load(config.spacy_model, threads=config.threads)
            if config.entities or config.stance
            else None
        )
        topic_model = stance_model = None
        if config.topics:
            from streams.enrich.topics import TopicModel

            topic_model = TopicModel.load(config.topics_model_dir, threads=config.threads)
        if config.stance:
            from streams.enrich.stance import StanceModel

            stance_model = StanceModel.load(config.stance_model_dir, threads=config.threads)
        return cls(config, recognizer, topic_model, stance_model)

    # ------------------------------------------------------------------ public API

    def enrich(self, doc: Document) -> Enrichment:
        """Enrich one story; raises :class:`EnrichStageError` when a stage fails for it."""
        result = self.enrich_batch([doc])[0]
        if isinstance(result, EnrichStageError):
            raise result
        return result

    def enrich_batch(self, docs: Sequence[Document]) -> list[Enrichment | EnrichStageError]:
        """Enrich a batch; a story whose stage failed yields its :class:`EnrichStageError` instead."""
        work = self._languages(docs)
        live = [w for w in work if w.supported]
        if self.recognizer is not None and live:
            self._entities_stage(live)
        if self.topic_model is not None:
            self._topics_stage([w for w in live if w.error is None])
        if self.stance_model is not None:
            self._stance_stage([w for w in live if w.error is None])
        return [w.error if w.error is not None else self._result(w) for w in work]

    # ------------------------------------------------------------------ stages

    def _languages(self, docs: Sequence[Document]) -> list[_Work]:
        from streams.enrich.language import detect_language, is_supported

        out: list[_Work] = []
        for doc in docs:
            t0 = time.perf_counter()
            language = doc.language
            if language is None and self.config.detect_language:
                language, _ = detect_language(doc.text)
            # undecidable (very short) text without a declared language is tried as English
            supported = language is None or is_supported(language)
            w = _Work(doc, language, supported)
            if not supported:
                w.notes.append(UNSUPPORTED_LANGUAGE)
            w.timings["language"] = time.perf_counter() - t0
            out.append(w)
        return out

    def _run_stage(
        self, stage: str, work: list[_Work], fn: Callable[[list[_Work]], list[T]], apply: Callable[[_Work, T], None]
    ) -> None:
        """Run ``fn`` over the batch; if it raises, run it story by story and mark only the failing ones."""
        if not work:
            return
        t0 = time.perf_counter()
        try:
            results = fn(work)
        except Exception:  # noqa: BLE001 - isolate the failing story below
            results = None
        if results is not None:
            share = (time.perf_counter() - t0) / len(work)
            for w, r in zip(work, results, strict=True):
                apply(w, r)
                w.timings[stage] = share
            return
        for w in work:
            t1 = time.perf_counter()
            try:
                apply(w, fn([w])[0])
            except Exception as exc:  # noqa: BLE001 - one story's failure must not sink the batch
                w.error = EnrichStageError(stage, w.doc.id, exc)
            w.timings[stage] = time.perf_counter() - t1

    def _entities_stage(self, work: list[_Work]) -> None:
        assert self.recognizer is not None
        recognizer = self.recognizer

        def run(batch: list[_Work]) -> list[tuple[DocEntities, list[Entity]]]:
            analyses = recognizer.recognize([w.doc for w in batch])
            return [(a, self._build_entities(w.doc, a)) for w, a in zip(batch, analyses, strict=True)]

        def apply(w: _Work, r: tuple[DocEntities, list[Entity]]) -> None:
            w.analysis, w.entities = r

        self._run_stage("entities", work, run, apply)

    def _build_entities(self, doc: Document, analysis: DocEntities) -> list[Entity]:
        clusters = cluster_mentions(analysis.mentions)
        propagate(doc, clusters, analysis.sentences, self._casing)
        scores = salience(clusters)
        ranked = sorted(zip(clusters, scores, strict=True), key=lambda cs: (-cs[1], _first_position(cs[0])))[
            : self.config.max_entities
        ]
        return [
            Entity(
                id=f"e{i}",
                name=c.name,
                type=c.type,
                salience=round(s, 6),
                mentions=[
                    Mention(text=m.text, field=m.field, start=m.start, end=m.end, sentence=m.sentence)
                    for m in c.mentions
                ],
            )
            for i, (c, s) in enumerate(ranked, start=1)
        ]

    def _topics_stage(self, work: list[_Work]) -> None:
        assert self.topic_model is not None
        model = self.topic_model

        def apply(w: _Work, topics: list[Topic]) -> None:
            w.topics = topics

        self._run_stage("topics", work, lambda batch: model.predict([w.doc for w in batch]), apply)

    def _stance_stage(self, work: list[_Work]) -> None:
        """One batched stance call over every (entity, sentence) query of the batch, then aggregation."""
        from streams.enrich.stance import aggregate_stance, story_tone

        assert self.stance_model is not None
        model = self.stance_model

        def run(batch: list[_Work]) -> list[list[Entity]]:
            plans = [self._stance_queries(w) for w in batch]
            queries = [q for plan in plans for _, qs in plan for q, _ in qs]
            probs = model.predict(queries, batch_size=self.config.stance_batch_size) if queries else None
            results: list[list[Entity]] = []
            k = 0
            for w, plan in zip(batch, plans, strict=True):
                stances = {}
                for entity_id, qs in plan:
                    assert probs is not None
                    stances[entity_id] = aggregate_stance(probs[k : k + len(qs)], [ev for _, ev in qs])
                    k += len(qs)
                results.append([e.model_copy(update={"stance": stances.get(e.id)}) for e in w.entities])
            return results

        def apply(w: _Work, entities: list[Entity]) -> None:
            w.entities = entities
            w.tone = story_tone(entities)

        self._run_stage("stance", work, run, apply)

    def _stance_queries(self, w: _Work) -> list[tuple[str, list[tuple[StanceQuery, tuple[str, str, int, int]]]]]:
        from streams.enrich.stance import StanceQuery

        analysis = w.analysis
        if analysis is None:
            return []
        cfg = self.config
        plan = []
        chosen = [e for e in w.entities if e.type in cfg.stance_types][: cfg.stance_max_entities]
        for e in chosen:
            by_sentence: dict[tuple[str, int], list[Mention]] = defaultdict(list)
            for m in e.mentions:
                by_sentence[(m.field, m.sentence)].append(m)
            qs = []
            for (fname, index), ms in list(by_sentence.items())[: cfg.stance_max_sentences]:
                s = analysis.sentence(fname, index)  # type: ignore[arg-type]
                spans = tuple((m.start - s.start, m.end - s.start) for m in ms if s.start <= m.start and m.end <= s.end)
                if spans:
                    qs.append((StanceQuery(s.text, spans), (s.text, fname, s.start, s.end)))
            if qs:
                plan.append((e.id, qs))
        return plan

    def _result(self, w: _Work) -> Enrichment:
        return Enrichment(
            language=w.language,
            entities=w.entities,
            topics=w.topics,
            tone=w.tone,
            notes=w.notes,
            model_versions=dict(self.model_versions),
            timings={k: round(v, 6) for k, v in w.timings.items()},
        )


def _first_position(c: Cluster) -> tuple[bool, int]:
    m = c.mentions[0]
    return (m.field != "headline", m.start)
