"""The enrichment pipeline with the real spaCy model and small local fakes for the topic and stance models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from schemas.models import Enrichment, Topic
from streams.enrich.document import Document
from streams.enrich.entities import EntityRecognizer
from streams.enrich.pipeline import UNSUPPORTED_LANGUAGE, EnrichConfig, Enricher, EnrichStageError
from streams.enrich.stance import StanceQuery

POLITICS = Topic(code="medtop:11000000", name="politics", level=1, slug="politics", confidence=0.9)


class FakeTopics:
    """Answers politics for every story, and fails for story ids listed in ``fail_ids``."""

    version = "fake-topics-1"

    def __init__(self, fail_ids: Sequence[str] = ()) -> None:
        self.fail_ids = set(fail_ids)
        self.calls = 0

    def predict(self, docs: Sequence[Document]) -> list[list[Topic]]:
        self.calls += 1
        if any(d.id in self.fail_ids for d in docs):
            raise RuntimeError("topic model exploded")
        return [[POLITICS] for _ in docs]


class FakeStance:
    """Negative when the sentence holds "criticised", else positive; records every call."""

    version = "fake-stance-1"

    def __init__(self) -> None:
        self.calls: list[list[StanceQuery]] = []

    def predict(self, queries: Sequence[StanceQuery], batch_size: int = 32) -> np.ndarray:
        self.calls.append(list(queries))
        rows = [[0.8, 0.1, 0.1] if "criticised" in q.sentence else [0.1, 0.1, 0.8] for q in queries]
        return np.array(rows, dtype=np.float32).reshape(-1, 3)


@pytest.fixture(scope="module")
def recognizer() -> EntityRecognizer:
    return EntityRecognizer.load()


def make(recognizer: EntityRecognizer, topics: FakeTopics | None = None, stance: FakeStance | None = None,
         **cfg: object) -> Enricher:
    return Enricher(EnrichConfig(**cfg), recognizer, topics or FakeTopics(), stance or FakeStance())  # type: ignore[arg-type]


STORY = Document(
    "s1",
    "Kamala Harris visits Guatemala",
    "Vice President Kamala Harris met Alejandro Giammattei in Guatemala City on Monday.\n\n"
    "Harris praised the cooperation. Giammattei was criticised by opposition leaders.\n\n"
    "The World Health Organization said the talks were useful.",
    "en",
)


def test_entities_are_clustered_ranked_and_located(recognizer: EntityRecognizer) -> None:
    result = make(recognizer).enrich(STORY)
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


def test_stance_is_one_batched_call_per_batch(recognizer: EntityRecognizer) -> None:
    stance = FakeStance()
    other = Document("s2", "Trade talks", "Angela Merkel criticised the plan in Berlin. Merkel later left.", "en")
    results = make(recognizer, stance=stance).enrich_batch([STORY, other])
    assert len(stance.calls) == 1
    for q in stance.calls[0]:
        assert q.spans and all(0 <= s < e <= len(q.sentence) for s, e in q.spans)
    first = results[0]
    assert isinstance(first, Enrichment)
    giammattei = next(e for e in first.entities if "Giammattei" in e.name)
    assert giammattei.stance is not None and giammattei.stance.evidence
    assert first.tone is not None
    assert {"entities", "topics", "stance", "language"} <= set(first.timings)
    assert first.model_versions == {"entities": recognizer.version, "topics": "fake-topics-1", "stance": "fake-stance-1"}
    assert first.topics == [POLITICS]


def test_max_entities_keeps_most_salient(recognizer: EntityRecognizer) -> None:
    full = make(recognizer).enrich(STORY)
    cut = make(recognizer, max_entities=2).enrich(STORY)
    assert [e.name for e in cut.entities] == [e.name for e in full.entities[:2]]


def test_unsupported_language_gets_a_note_and_nothing_else(recognizer: EntityRecognizer) -> None:
    stance = FakeStance()
    doc = Document("fr1", "Le président visite Paris", "Emmanuel Macron a rencontré les maires de France à Paris.", "fr")
    result = make(recognizer, stance=stance).enrich(doc)
    assert result.notes == [UNSUPPORTED_LANGUAGE]
    assert result.language == "fr" and not result.entities and not result.topics and result.tone is None
    assert stance.calls == []


def test_undeclared_language_is_detected(recognizer: EntityRecognizer) -> None:
    doc = Document("de1", "", "Die Bundesregierung hat am Montag in Berlin neue Regeln für den Verkehr beschlossen.")
    result = make(recognizer).enrich(doc)
    assert result.language == "de" and result.notes == [UNSUPPORTED_LANGUAGE]


def test_a_failing_story_does_not_sink_the_batch(recognizer: EntityRecognizer) -> None:
    topics = FakeTopics(fail_ids=["bad"])
    bad = Document("bad", "Storm hits Florida", "A storm hit Miami in Florida on Sunday.", "en")
    results = make(recognizer, topics=topics).enrich_batch([STORY, bad])
    assert isinstance(results[0], Enrichment) and results[0].topics == [POLITICS]
    err = results[1]
    assert isinstance(err, EnrichStageError)
    assert err.stage == "topics" and err.doc_id == "bad" and isinstance(err.cause, RuntimeError)
    with pytest.raises(EnrichStageError):
        make(recognizer, topics=topics).enrich(bad)


def test_stages_can_be_switched_off(recognizer: EntityRecognizer) -> None:
    enricher = Enricher(EnrichConfig(topics=False, stance=False), recognizer, None, None)
    result = enricher.enrich(STORY)
    assert result.entities and not result.topics and result.tone is None
    assert set(enricher.model_versions) == {"entities"}
