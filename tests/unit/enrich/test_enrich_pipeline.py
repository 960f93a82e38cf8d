"""The enrichment pipeline: real language and entity stages, small local fakes for the topic and stance models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest

from schemas.models import Enrichment, Topic
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.pipeline import Enricher, EnrichStageError
from streams.enrich.stage import StageContractError, StoryState, Update
from streams.enrich.stages import UnknownStageError, build_stages
from streams.enrich.stages.entities import ENTITIES_TRUNCATED, EntitiesStage, load_recognizer
from streams.enrich.stages.language import UNSUPPORTED_LANGUAGE, LanguageStage
from streams.enrich.stages.stance import StanceStage
from streams.enrich.stance import StanceQuery

POLITICS = Topic(code="medtop:11000000", name="politics", level=1, slug="politics", confidence=0.9)


@dataclass
class FakeTopics:
    """Answers politics for every story, and fails for story ids listed in ``fail_ids``."""

    fail_ids: set[str] = field(default_factory=set)
    calls: int = 0
    name: str = "topics"
    version: str = "fake-topics-1"
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("topics",)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        self.calls += 1
        if any(s.doc.id in self.fail_ids for s in batch):
            raise RuntimeError("topic model exploded")
        return [{"topics": [POLITICS]} for _ in batch]


class FakeStanceModel:
    """Negative when the sentence holds "criticised", else positive; records every call."""

    version = "fake-stance-1"

    def __init__(self) -> None:
        self.calls: list[list[StanceQuery]] = []

    def predict(self, queries: Sequence[StanceQuery], batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(queries))
        rows = [[0.8, 0.1, 0.1] if "criticised" in q.sentence else [0.1, 0.1, 0.8] for q in queries]
        return np.array(rows, dtype=np.float32).reshape(-1, 3)


@pytest.fixture(scope="module")
def entities() -> EntitiesStage:
    return EntitiesStage(load_recognizer(EnrichConfig().spacy_model, 1), max_entities=200)


def make(entities: EntitiesStage, topics: FakeTopics | None = None, stance: FakeStanceModel | None = None,
         max_entities: int = 200) -> Enricher:
    stance_stage = StanceStage(stance or FakeStanceModel(), ("PERSON", "ORG", "GPE"), 3, 2)  # type: ignore[arg-type]
    ents = EntitiesStage(entities.recognizer, max_entities)
    return Enricher([LanguageStage(), ents, topics or FakeTopics(), stance_stage])


STORY = Document(
    "s1",
    "Kamala Harris visits Guatemala",
    "Vice President Kamala Harris met Alejandro Giammattei in Guatemala City on Monday.\n\n"
    "Harris praised the cooperation. Giammattei was criticised by opposition leaders.\n\n"
    "The World Health Organization said the talks were useful.",
    "en",
)


def test_entities_are_clustered_ranked_and_located(entities: EntitiesStage) -> None:
    result = make(entities).enrich(STORY)
    names = {e.name: e for e in result.entities}
    harris = names["Kamala Harris"]
    assert harris.type == "PERSON" and harris.id == "e1"  # in the headline, first in the body
    assert len(harris.mentions) >= 3
    assert [e.id for e in result.entities] == [f"e{i}" for i in range(1, len(result.entities) + 1)]
    assert [e.salience for e in result.entities] == sorted((e.salience for e in result.entities), reverse=True)
    assert sum(e.salience for e in result.entities) <= 1.0 + 1e-6
    for e in result.entities:
        for m in e.mentions:
            text = STORY.headline if m.field == "headline" else STORY.body
            assert text[m.start : m.end] == m.text
    assert any("Giammattei" in n for n in names)


def test_stance_runs_once_per_story_never_across_stories(entities: EntitiesStage) -> None:
    stance = FakeStanceModel()
    other = Document("s2", "Trade talks", "Angela Merkel criticised the plan in Berlin. Merkel later left.", "en")
    results = make(entities, stance=stance).enrich_batch([STORY, other])
    assert len(stance.calls) == 2  # one call per story: a story's scores never depend on its neighbours
    assert all("Merkel" not in q.sentence for q in stance.calls[0])
    for q in stance.calls[0]:
        assert q.spans and all(0 <= s < e <= len(q.sentence) for s, e in q.spans)
    first = results[0]
    assert isinstance(first, Enrichment)
    giammattei = next(e for e in first.entities if "Giammattei" in e.name)
    assert giammattei.stance is not None and giammattei.stance.evidence
    assert first.tone is not None
    assert {"entities", "topics", "stance", "language"} <= set(first.timings)
    assert first.model_versions == {
        "language": LanguageStage().version,
        "entities": entities.version,
        "topics": "fake-topics-1",
        "stance": "fake-stance-1",
    }
    assert "+rules." in entities.version or entities.version.startswith("spacy-")
    assert first.topics == [POLITICS]


def test_max_entities_keeps_most_salient_and_says_so(entities: EntitiesStage) -> None:
    full = make(entities).enrich(STORY)
    cut = make(entities, max_entities=2).enrich(STORY)
    assert [e.name for e in cut.entities] == [e.name for e in full.entities[:2]]
    assert ENTITIES_TRUNCATED in cut.notes and ENTITIES_TRUNCATED not in full.notes


def test_unsupported_language_gets_a_note_and_nothing_else(entities: EntitiesStage) -> None:
    stance = FakeStanceModel()
    doc = Document("fr1", "Le président visite Paris", "Emmanuel Macron a rencontré les maires de France à Paris.", "fr")
    result = make(entities, stance=stance).enrich(doc)
    assert result.notes == [UNSUPPORTED_LANGUAGE]
    assert result.language == "fr" and not result.entities and not result.topics and result.tone is None
    assert stance.calls == []


def test_language_is_not_detected_again() -> None:
    """Detection (with its confidence threshold) happens once, at parse time; no language means "try English"."""
    doc = Document("de1", "", "Die Bundesregierung hat am Montag in Berlin neue Regeln für den Verkehr beschlossen.")
    (update,) = LanguageStage().run([StoryState(doc=doc)])
    assert update == {"language": None}


def test_a_failing_story_does_not_sink_the_batch(entities: EntitiesStage) -> None:
    topics = FakeTopics(fail_ids={"bad"})
    bad = Document("bad", "Storm hits Florida", "A storm hit Miami in Florida on Sunday.", "en")
    results = make(entities, topics=topics).enrich_batch([STORY, bad])
    assert isinstance(results[0], Enrichment) and results[0].topics == [POLITICS]
    err = results[1]
    assert isinstance(err, EnrichStageError)
    assert err.stage == "topics" and err.doc_id == "bad" and isinstance(err.cause, RuntimeError)
    assert topics.calls == 3  # the batch, then each story alone
    with pytest.raises(EnrichStageError):
        make(entities, topics=topics).enrich(bad)


def test_a_stage_writing_undeclared_fields_fails_the_story() -> None:
    @dataclass
    class Sneaky:
        name: str = "sneaky"
        version: str = "1"
        reads: tuple[str, ...] = ("doc",)
        writes: tuple[str, ...] = ("topics",)

        def run(self, batch: Sequence[StoryState]) -> list[Update]:
            return [{"entities": []} for _ in batch]

    (err,) = Enricher([Sneaky()]).enrich_batch([STORY])
    assert isinstance(err, EnrichStageError) and isinstance(err.cause, StageContractError)


def test_configuration_chooses_the_stages() -> None:
    stages = build_stages(EnrichConfig(stages=("language",)))
    assert [s.name for s in stages] == ["language"]
    with pytest.raises(UnknownStageError, match="unknown stage 'nope'"):
        build_stages(EnrichConfig(stages=("nope",)))
    with pytest.raises(UnknownStageError, match="cannot import"):
        build_stages(EnrichConfig(stages=("no.such.module:build",)))


def test_stage_from_an_import_path_and_a_wrapper() -> None:
    config = EnrichConfig(
        stages=("language", "tests.unit.enrich.toy_stage:build"),
        stage_wrapper="tests.unit.enrich.toy_stage:shout",
        stage_wrapper_spec="!",
    )
    enricher = Enricher.load(config)
    assert enricher.model_versions == {"language": LanguageStage().version, "toy": "1"}
    result = enricher.enrich(STORY)
    assert result.notes == ["toy:4 words!"]
