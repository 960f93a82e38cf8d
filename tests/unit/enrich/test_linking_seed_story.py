"""The seed story (read from ../shared/seeds at test time, never copied): one entity per country, ids, coordinates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.pipeline import Enricher
from streams.ingest import parse_message

SHARED_SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seeds" / "000_d6655a67d885e624.txt"
pytestmark = pytest.mark.skipif(not SHARED_SEED.is_file(), reason=f"{SHARED_SEED} not present")


def test_one_us_one_guatemala_demonyms_linked_and_every_place_on_the_map() -> None:
    story = parse_message(SHARED_SEED.read_bytes(), received_at=datetime.now(UTC))
    result = Enricher.load(EnrichConfig(stages=("entities", "linking"))).enrich_batch([Document.of_story(story)])[0]
    entities = result.entities  # type: ignore[union-attr]
    assert [e.name for e in entities if e.uri == "geonames:6252001"] == ["United States"]
    guatemala = [e for e in entities if e.uri == "geonames:3595528"]
    assert len(guatemala) == 1
    demonyms = [e for e in entities if any(r.uri == "geonames:3595528" for r in e.relations)]
    assert len(demonyms) == 1 and demonyms[0].type == "MISC"
    assert {m.text for m in demonyms[0].mentions} >= {"Guatemalan", "Guatemalans"}
    for place in (e for e in entities if e.type in ("GPE", "LOC")):
        assert place.link is not None and place.link.geonames_id is not None, place
        assert place.link.lat is not None and place.link.lon is not None
