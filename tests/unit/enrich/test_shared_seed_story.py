"""The story wirestream was started from (``../shared/seeds``), parsed and enriched by the shipped models.

Its text is never copied into the repository: the test reads it from ``../shared/seeds`` and skips where that
folder is absent (e.g. a user's clone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.models import Enrichment
from streams.enrich.document import Document
from streams.enrich.pipeline import Enricher
from streams.ingest import parse_message

SHARED_SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seeds" / "000_d6655a67d885e624.txt"

pytestmark = pytest.mark.skipif(not SHARED_SEED.is_file(), reason=f"{SHARED_SEED} not present")


@pytest.fixture(scope="module")
def enrichment() -> Enrichment:
    story = parse_message(SHARED_SEED.read_bytes(), received_at=datetime.now(UTC))
    assert story.source_format == "plaintext"
    doc = Document.of_story(story)
    result = Enricher.load().enrich_batch([doc])[0]
    assert isinstance(result, Enrichment), result
    return result


def test_harris_and_giammattei_are_one_person_each_and_guatemala_a_place(enrichment: Enrichment) -> None:
    by_name = {e.name: e for e in enrichment.entities}
    for person in ("Kamala Harris", "Alejandro Giammattei"):
        assert person in by_name, sorted(by_name)
        assert by_name[person].type == "PERSON"
        surname = person.split()[-1]
        assert [e.name for e in enrichment.entities if surname in e.name] == [person]  # all mentions joined
    harris = by_name["Kamala Harris"]
    assert len(harris.mentions) > 1 and any(m.text == "Harris" for m in harris.mentions)
    assert by_name.get("Guatemala") is not None and by_name["Guatemala"].type in ("GPE", "LOC")


def test_politics_or_society_topic_and_a_stance_with_evidence_for_harris(enrichment: Enrichment) -> None:
    # A vice-president's visit about the causes of migration: politics or society (immigration) are both right
    # (topics-minilm-ft-2 said politics; topics-minilm-ft-3 reading 128x2 says society, politics below 0.3).
    assert enrichment.topics[0].code in {"medtop:11000000", "medtop:14000000"}
    assert all(t.slug in {"politics", "society"} for t in enrichment.topics)
    harris = next(e for e in enrichment.entities if e.name == "Kamala Harris")
    assert harris.stance is not None and harris.stance.evidence
    assert all("Harris" in ev.sentence for ev in harris.stance.evidence)


def test_the_derived_headline_is_not_read_a_second_time(enrichment: Enrichment) -> None:
    """The plain-text form has no headline; its derived one repeats the lead, which must count once."""
    for entity in enrichment.entities:
        assert all(m.field == "body" for m in entity.mentions), entity.name
        if entity.stance is not None:
            sentences = [(ev.field, ev.start) for ev in entity.stance.evidence]
            assert len(sentences) == len(set(sentences)), entity.name
