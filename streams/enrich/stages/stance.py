"""Stage ``stance``: each salient entity's stance from the sentences naming it, and the story's tone.

The model runs once per story (all of that story's queries in one call, never mixed with other stories): its
dynamic int8 quantisation scales activations per call, so a story batched with others would score differently
depending on its neighbours, and a replay would not reproduce the event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from schemas.models import EntityType, Mention
from streams.enrich.config import EnrichConfig
from streams.enrich.stage import StoryState, Update
from streams.enrich.stance import StanceModel, StanceQuery, aggregate_stance, story_tone

Evidence = tuple[str, str, int, int]


@lru_cache(maxsize=4)
def load_stance_model(model_dir: Path | None, threads: int) -> StanceModel:
    """One stance model per (directory, threads) in a process."""
    return StanceModel.load(model_dir, threads=threads)


@dataclass(frozen=True)
class StanceStage:
    """Stance for the ``max_entities`` most salient entities of ``types``, over ``max_sentences`` sentences each."""

    model: StanceModel
    types: tuple[EntityType, ...]
    max_entities: int
    max_sentences: int
    name: str = "stance"
    reads: tuple[str, ...] = ("analysis", "entities")
    writes: tuple[str, ...] = ("entities", "tone")

    @property
    def version(self) -> str:
        return self.model.version

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        return [self._story(state) for state in batch]

    def _story(self, state: StoryState) -> Update:
        plan = self.queries(state)
        queries = [q for _, qs in plan for q, _ in qs]
        stances = {}
        if queries:
            probs = self.model.predict(queries, batch_size=len(queries))
            k = 0
            for entity_id, qs in plan:
                stances[entity_id] = aggregate_stance(probs[k : k + len(qs)], [ev for _, ev in qs])
                k += len(qs)
        entities = [e.model_copy(update={"stance": stances.get(e.id)}) for e in state.entities]
        return {"entities": entities, "tone": story_tone(entities)}

    def queries(self, state: StoryState) -> list[tuple[str, list[tuple[StanceQuery, Evidence]]]]:
        """Per chosen entity: its (query, evidence) pairs, one per sentence naming it."""
        analysis = state.analysis
        if analysis is None:
            return []
        plan = []
        chosen = [e for e in state.entities if e.type in self.types][: self.max_entities]
        for e in chosen:
            by_sentence: dict[tuple[str, int], list[Mention]] = defaultdict(list)
            for m in e.mentions:
                by_sentence[(m.field, m.sentence)].append(m)
            qs = []
            for (fname, index), ms in list(by_sentence.items())[: self.max_sentences]:
                s = analysis.sentence(fname, index)  # type: ignore[arg-type]
                spans = tuple((m.start - s.start, m.end - s.start) for m in ms if s.start <= m.start and m.end <= s.end)
                if spans:
                    qs.append((StanceQuery(s.text, spans), (s.text, fname, s.start, s.end)))
            if qs:
                plan.append((e.id, qs))
        return plan


def build(config: EnrichConfig) -> StanceStage:
    return StanceStage(
        load_stance_model(config.stance_model_dir, config.threads),
        config.stance_types,
        config.stance_max_entities,
        config.stance_max_sentences,
    )
