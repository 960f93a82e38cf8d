"""The seed story (``../shared/seeds``) at the wider stance coverage: every named person gets a stance and evidence.

Its text is never copied into the repository; the test skips where ``../shared/seeds`` is absent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.models import Enrichment
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.pipeline import Enricher
from streams.ingest import parse_message

SHARED_SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seeds" / "000_d6655a67d885e624.txt"
PEOPLE = ("Kamala Harris", "Alejandro Giammattei", "Biden", "López Obrador", "Hernández", "Bukele")

pytestmark = pytest.mark.skipif(not SHARED_SEED.is_file(), reason=f"{SHARED_SEED} not present")


@pytest.fixture(scope="module")
def enrichment() -> Enrichment:
    story = parse_message(SHARED_SEED.read_bytes(), received_at=datetime.now(UTC))
    config = replace(EnrichConfig(), stages=("language", "entities", "stance"), stance_max_entities=8,
                     stance_max_sentences=64)
    result = Enricher.load(config).enrich_batch([Document.of_story(story)])[0]
    assert isinstance(result, Enrichment), result
    return result


@pytest.mark.parametrize("person", PEOPLE)
def test_each_named_person_has_a_stance_with_evidence_naming_them(enrichment: Enrichment, person: str) -> None:
    found = [e for e in enrichment.entities if person in e.name]  # their types are test_shared_seed_story's job
    assert len(found) == 1, sorted(e.name for e in enrichment.entities)
    stance = found[0].stance
    assert stance is not None and stance.evidence, found[0]
    surname = person.split()[-1]
    assert all(surname in ev.sentence for ev in stance.evidence)
    assert 0.0 < stance.confidence <= 1.0 and stance.polarity == max(stance.scores, key=stance.scores.__getitem__)


def test_every_sentence_naming_an_entity_is_read_and_evidence_is_distinct(enrichment: Enrichment) -> None:
    harris = next(e for e in enrichment.entities if e.name == "Kamala Harris")
    assert harris.stance is not None
    assert len({m.sentence for m in harris.mentions}) > 3 and len(harris.stance.evidence) == 3
    for e in enrichment.entities:
        if e.stance is not None:
            texts = [" ".join(ev.sentence.split()) for ev in e.stance.evidence]
            assert len(texts) == len(set(texts)), e.name
    assert enrichment.tone is not None and enrichment.tone.confidence > 0
