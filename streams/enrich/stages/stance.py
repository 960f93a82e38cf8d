"""Stage ``stance``: the stance toward each entity that matters, from every sentence naming it, and the story's tone.

Covered: the ``max_entities`` most salient entities of ``types`` (persons and organisations first, other types
such as GPE fill the slots left), plus every person or organisation named ``min_mentions`` times or more, plus
every person or organisation named only in sentences read for those (free with a multi-target model). Each is
read in up to ``max_sentences`` sentences (the first ones naming it); the model scores all the targets of one
sentence in one forward pass when it was trained for that (see :class:`~streams.enrich.stance.StanceModel`).

The model runs once per story (all of that story's queries in one call, never mixed with other stories): its
dynamic int8 quantisation scales activations per batch, so a story batched with others would score differently
depending on its neighbours, and a replay would not reproduce the event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from schemas.models import Entity, EntityType, Mention
from streams.enrich.config import EnrichConfig
from streams.enrich.stage import StoryState, Update
from streams.enrich.stance import StanceModel, StanceQuery, aggregate_stance, story_tone

Evidence = tuple[str, str, int, int]
PRIMARY_TYPES: tuple[EntityType, ...] = ("PERSON", "ORG")


@lru_cache(maxsize=4)
def load_stance_model(model_dir: Path | None, threads: int) -> StanceModel:
    """One stance model per (directory, threads) in a process."""
    return StanceModel.load(model_dir, threads=threads)


@dataclass(frozen=True)
class StanceStage:
    """Stance for the entities :meth:`chosen` picks, over up to ``max_sentences`` sentences each."""

    model: StanceModel
    types: tuple[EntityType, ...]
    max_entities: int
    max_sentences: int
    min_mentions: int = 2  # persons and organisations named this often are covered beyond max_entities (0: off)
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
            probs = self.model.predict(queries)
            k = 0
            for entity_id, qs in plan:
                stances[entity_id] = aggregate_stance(probs[k : k + len(qs)], [ev for _, ev in qs])
                k += len(qs)
        entities = [e.model_copy(update={"stance": stances.get(e.id)}) for e in state.entities]
        return {"entities": entities, "tone": story_tone(entities)}

    def chosen(self, entities: Sequence[Entity]) -> list[Entity]:
        """The covered entities, most salient first."""
        typed = sorted((e for e in entities if e.type in self.types), key=lambda e: -e.salience)
        ranked = sorted(typed, key=lambda e: e.type not in PRIMARY_TYPES)  # stable: salience order within
        keep = {e.id for e in ranked[: self.max_entities]}
        if self.min_mentions > 0:
            keep |= {e.id for e in typed if e.type in PRIMARY_TYPES and len(e.mentions) >= self.min_mentions}
        read = {(m.field, m.sentence) for e in typed if e.id in keep for m in e.mentions}
        keep |= {  # named only in sentences read anyway: no extra forward pass with a multi-target model
            e.id for e in typed if e.type in PRIMARY_TYPES and {(m.field, m.sentence) for m in e.mentions} <= read
        }
        return [e for e in typed if e.id in keep]

    def queries(self, state: StoryState) -> list[tuple[str, list[tuple[StanceQuery, Evidence]]]]:
        """Per chosen entity: its (query, evidence) pairs, one per sentence naming it."""
        analysis = state.analysis
        if analysis is None:
            return []
        plan = []
        for e in self.chosen(state.entities):
            by_sentence: dict[tuple[str, int], list[Mention]] = {}
            for m in e.mentions:
                by_sentence.setdefault((m.field, m.sentence), []).append(m)
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
