"""The enrichment pipeline: a configured list of declared, versioned stages run over batches of stories.

Pure library code (no Kafka). Build it with :meth:`Enricher.load` (loads each stage's model once), then call
:meth:`Enricher.enrich_batch`. Each stage runs over the whole batch; if it raises, it is retried story by story so
only the failing story gets an :class:`EnrichStageError` (naming the stage) and the others go on. That is the one
failure-isolation policy of the library; the worker's runner adds only what a process can not do for itself
(a time budget and a crashed child).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from schemas.models import Enrichment
from streams.clusters.vectors import encode_embedding
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.stage import Stage, StoryState, Update, apply_update, check_updates

__all__ = ["EnrichConfig", "EnrichStageError", "Enricher"]


class EnrichStageError(Exception):
    """A stage failed for one story; carries the stage name, the story id and the cause."""

    def __init__(self, stage: str, doc_id: str, cause: BaseException) -> None:
        super().__init__(f"enrichment stage {stage!r} failed for story {doc_id!r}: {type(cause).__name__}: {cause}")
        self.stage = stage
        self.doc_id = doc_id
        self.cause = cause


class Enricher:
    """Runs ``stages`` in order over batches of documents."""

    def __init__(self, stages: Sequence[Stage], config: EnrichConfig | None = None) -> None:
        self.stages = list(stages)
        self.config = config or EnrichConfig()
        self.model_versions: dict[str, str] = {s.name: s.version for s in self.stages}

    @classmethod
    def load(cls, config: EnrichConfig | None = None) -> Enricher:
        """Build every configured stage (loading its model once per process) in the configured order."""
        from streams.enrich.stages import build_stages

        config = config or EnrichConfig()
        return cls(build_stages(config), config)

    def enrich(self, doc: Document) -> Enrichment:
        """Enrich one story; raises :class:`EnrichStageError` when a stage fails for it."""
        result = self.enrich_batch([doc])[0]
        if isinstance(result, EnrichStageError):
            raise result
        return result

    def enrich_batch(self, docs: Sequence[Document]) -> list[Enrichment | EnrichStageError]:
        """Enrich a batch; a story whose stage failed yields its :class:`EnrichStageError` instead."""
        states = [StoryState(doc=d) for d in docs]
        errors: dict[int, EnrichStageError] = {}
        timings: list[dict[str, float]] = [{} for _ in docs]
        for stage in self.stages:
            live = [i for i, s in enumerate(states) if not s.skip and i not in errors]
            if live:
                self._run(stage, states, live, errors, timings)
        return [errors.get(i) or self._result(s, timings[i]) for i, s in enumerate(states)]

    @staticmethod
    def _run(
        stage: Stage,
        states: list[StoryState],
        live: list[int],
        errors: dict[int, EnrichStageError],
        timings: list[dict[str, float]],
    ) -> None:
        t0 = time.perf_counter()
        try:
            ran = stage.run([states[i] for i in live])
            check_updates(stage, ran, len(live))
            updates: list[Update] | None = ran
        except Exception:  # noqa: BLE001 - isolate the failing story below
            updates = None
        if updates is not None:
            share = (time.perf_counter() - t0) / len(live)
            for i, update in zip(live, updates, strict=True):
                apply_update(states[i], update)
                timings[i][stage.name] = share
            return
        for i in live:
            t1 = time.perf_counter()
            try:
                one = stage.run([states[i]])
                check_updates(stage, one, 1)
                apply_update(states[i], one[0])
            except Exception as exc:  # noqa: BLE001 - one story's failure must not sink the batch
                errors[i] = EnrichStageError(stage.name, states[i].doc.id, exc)
            timings[i][stage.name] = time.perf_counter() - t1

    def _result(self, state: StoryState, timings: dict[str, float]) -> Enrichment:
        return Enrichment(
            language=state.language,
            entities=state.entities,
            topics=state.topics,
            tone=state.tone,
            quotes=state.quotes,
            notes=state.notes,
            model_versions=dict(self.model_versions),
            timings={k: round(v, 6) for k, v in timings.items()},
            embedding=encode_embedding(state.embedding),
        )
