"""Output events: ninjs 3.0 mapping, withdrawal events, dead letters."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import orjson

from schemas.models import Enrichment, Entity, EntityStance, Mention, ReasonCode, Story, Tone, Topic
from streams.output import SourceRef, dead_letter, enriched_event, event_headers, story_uri, to_bytes, withdrawal_event

SRC = SourceRef("wire.raw", 2, 41)


def _story(**kw: object) -> Story:
    base = dict(id="urn:test:1", version=3, headline="Mayor wins vote", body="Mayor Ana Ruiz won the vote.", source_format="ninjs",
                received_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), dateline_date=date(2026, 1, 2), language="en")
    base.update(kw)
    return Story(**base)  # type: ignore[arg-type]


def _enrichment() -> Enrichment:
    stance = EntityStance(polarity="positive", confidence=0.8, scores={"negative": 0.1, "neutral": 0.1, "positive": 0.8})
    person = Entity(id="e1", name="Ana Ruiz", type="PERSON", salience=0.6, stance=stance,
                    mentions=[Mention(text="Ana Ruiz", start=6, end=14, sentence=0)])
    city = Entity(id="e2", name="Lakeport", type="GPE", salience=0.2, mentions=[Mention(text="Lakeport", start=0, end=8, sentence=0)])
    org = Entity(id="e3", name="City Council", type="ORG", salience=0.1, mentions=[Mention(text="City Council", start=0, end=12, sentence=0)])
    misc = Entity(id="e4", name="Olympics", type="MISC", salience=0.1, mentions=[Mention(text="Olympics", start=0, end=8, sentence=0)])
    topic = Topic(code="medtop:11000000", name="politics", level=1, slug="politics", confidence=0.91)
    return Enrichment(language="en", entities=[person, city, org, misc], topics=[topic],
                      tone=Tone(polarity="positive", score=0.5, confidence=0.7), model_versions={"entities": "spacy@3.8.0"})


def test_enriched_event_maps_entities_and_topics_to_ninjs_fields() -> None:
    event = enriched_event(_story(), _enrichment(), SRC)
    assert event.uri == "urn:test:1" and event.version == "3"
    assert [p.name for p in event.people] == ["Ana Ruiz"]
    assert [p.name for p in event.places] == ["Lakeport"]
    assert [o.name for o in event.organisations] == ["City Council"]
    assert event.people[0].relevance == 60
    subject = event.subjects[0]
    assert subject.literal == "medtop:11000000" and subject.uri == "http://cv.iptc.org/newscodes/mediatopic/11000000"
    assert subject.confidence == 91
    ext = event.wirestream
    assert ext.event == "enriched" and ext.story_version == 3 and ext.source == {"topic": "wire.raw", "partition": 2, "offset": 41}
    assert [e.id for e in ext.entities] == ["e1", "e2", "e3", "e4"]  # MISC is kept in the extension


def test_serialized_event_uses_ninjs_names_and_drops_nulls() -> None:
    data = orjson.loads(to_bytes(enriched_event(_story(byline=None), _enrichment(), SRC)))
    assert data["standard"] == {"name": "ninjs", "version": "3.0", "schema": "https://www.iptc.org/std/ninjs/ninjs-schema_3.0.json"}
    assert "by" not in data and data["pubStatus"] == "usable"
    assert data["wirestream"]["entities"][0]["stance"]["polarity"] == "positive"


def test_withdrawal_event_has_same_key_and_no_enrichment() -> None:
    event = withdrawal_event(_story(pubstatus="canceled"), SRC)
    assert event.pubStatus == "canceled" and event.wirestream.event == "withdrawn"
    assert event.wirestream.story_id == "urn:test:1" and event.wirestream.entities == []
    assert dict(event_headers(event))["ws-event"] == b"withdrawn"


def test_story_uri_wraps_bare_hash_ids() -> None:
    assert story_uri("sha256:abc") == "sha256:abc"
    assert story_uri("abc123") == "urn:wirestream:story:abc123"


def test_dead_letter_keeps_original_bytes_and_source() -> None:
    raw = b"\xff\xfe not utf-8"
    letter = dead_letter(raw, b"k1", SRC, reason=ReasonCode.DECODE_ERROR, message="bad bytes", stage="parse")
    assert base64.b64decode(letter.original_b64) == raw and base64.b64decode(letter.original_key_b64 or "") == b"k1"
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("wire.raw", 2, 41)
    assert letter.original_size == len(raw) and letter.reason is ReasonCode.DECODE_ERROR
