"""Turn parsed stories, enrichments and failures into the messages wirestream publishes."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from schemas.models import (
    DeadLetter,
    EnrichedStory,
    Enrichment,
    Entity,
    GeoJsonPoint,
    NinjsConcept,
    NinjsText,
    ReasonCode,
    SourceFormat,
    Story,
    WirestreamExtension,
)

#: Header a producer may set with the file a message came from (`wirestream push` does); dead letters keep it.
FILE_HEADER = "ws-file"
_MEDTOP_URI = "http://cv.iptc.org/newscodes/mediatopic/"
_GEONAMES_URI = "https://sws.geonames.org/"
_NINJS_BUCKET = {"PERSON": "people", "ORG": "organisations", "GPE": "places", "LOC": "places"}


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where an input message came from."""

    topic: str
    partition: int
    offset: int

    def as_dict(self) -> dict[str, int | str]:
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


def story_uri(story_id: str) -> str:
    """ninjs ``uri``: the story's own guid when it is a URI, else a ``urn:wirestream:`` one."""
    return story_id if ":" in story_id else f"urn:wirestream:story:{story_id}"


def _concept(entity: Entity) -> NinjsConcept:
    """A ninjs people/organisations/places item: a linked place carries its GeoNames URI (or its
    ``iso3166-2:<code>`` uri, for a region GeoNames is not shipped with) and a GeoJSON point, anything else its stable
    ``ws:`` id as ``uri``; ``literal`` stays the story-local id."""
    link = entity.link
    uri, point = entity.uri, None
    if link is not None and link.geonames_id is not None:
        uri = f"{_GEONAMES_URI}{link.geonames_id}/"
    if link is not None and link.uri is not None and link.lat is not None and link.lon is not None:
        point = GeoJsonPoint(coordinates=[link.lon, link.lat])
    return NinjsConcept(
        name=entity.name, uri=uri, literal=entity.id, rel="mentioned", relevance=round(entity.salience * 100),
        creator="wirestream", geojson=point,
    )  # fmt: skip


def _extension(
    event: Literal["enriched", "withdrawn"], story: Story, source: SourceRef, published_at: datetime | None, **fields: Any
) -> WirestreamExtension:
    """The ``wirestream`` extension of an event: the story's identity and provenance, plus ``fields``."""
    return WirestreamExtension(
        event=event,
        story_id=story.id,
        story_version=story.version,
        source_format=story.source_format,
        dateline_date=story.dateline_date,
        received_at=story.received_at,
        published_at=published_at or datetime.now(UTC),
        source=source.as_dict(),
        **fields,
    )


def enriched_event(story: Story, enrichment: Enrichment, source: SourceRef, *, published_at: datetime | None = None) -> EnrichedStory:
    """The ninjs 3.0 event for an enriched story (``wirestream.event == "enriched"``)."""
    buckets: dict[str, list[NinjsConcept]] = {"people": [], "organisations": [], "places": []}
    for entity in enrichment.entities:
        bucket = _NINJS_BUCKET.get(entity.type)
        if bucket:
            buckets[bucket].append(_concept(entity))
    subjects = [
        NinjsConcept(
            name=topic.name,
            uri=_MEDTOP_URI + topic.code.removeprefix("medtop:"),
            literal=topic.code,
            rel="about",
            confidence=round(topic.confidence * 100),
            creator="wirestream",
        )
        for topic in enrichment.topics
    ]
    return EnrichedStory(
        uri=story_uri(story.id),
        version=str(story.version),
        pubStatus=story.pubstatus,
        language=enrichment.language or story.language,
        urgency=story.urgency,
        by=story.byline,
        headlines=[NinjsText(value=story.headline, role="main")] if story.headline else [],
        bodies=[NinjsText(value=story.body, role="main", contentType="text/plain")],
        subjects=subjects,
        people=buckets["people"],
        organisations=buckets["organisations"],
        places=buckets["places"],
        wirestream=_extension(
            "enriched",
            story,
            source,
            published_at,
            entities=enrichment.entities,
            topics=enrichment.topics,
            tone=enrichment.tone,
            quotes=enrichment.quotes,
            notes=enrichment.notes,
            model_versions=enrichment.model_versions,
            embedding=enrichment.embedding,
        ),
    )


def withdrawal_event(story: Story, source: SourceRef, *, published_at: datetime | None = None) -> EnrichedStory:
    """The event telling consumers to drop a withdrawn/cancelled story (same key as the story)."""
    return EnrichedStory(
        uri=story_uri(story.id),
        version=str(story.version),
        pubStatus=story.pubstatus,
        language=story.language,
        headlines=[NinjsText(value=story.headline, role="main")] if story.headline else [],
        wirestream=_extension("withdrawn", story, source, published_at, notes=[f"pubstatus_{story.pubstatus}"]),
    )


def dead_letter(
    value: bytes | None,
    key: bytes | None,
    source: SourceRef,
    *,
    reason: ReasonCode,
    message: str,
    stage: str | None = None,
    source_format: SourceFormat | None = None,
    story_id: str | None = None,
    source_file: str | None = None,
) -> DeadLetter:
    """A dead letter carrying the original bytes (base64) and where they came from."""
    raw = value or b""
    return DeadLetter(
        reason=reason,
        message=message[:2000],
        stage=stage,
        source_format=source_format,
        story_id=story_id,
        original_b64=base64.b64encode(raw).decode("ascii"),
        original_key_b64=base64.b64encode(key).decode("ascii") if key else None,
        original_size=len(raw),
        source_topic=source.topic,
        source_partition=source.partition,
        source_offset=source.offset,
        source_file=source_file,
        failed_at=datetime.now(UTC),
    )


def to_bytes(model: EnrichedStory | DeadLetter) -> bytes:
    """Serialize an outgoing message as compact JSON (aliases, no nulls)."""
    return orjson.dumps(model.model_dump(mode="json", by_alias=True, exclude_none=True))


def event_headers(event: EnrichedStory) -> list[tuple[str, bytes]]:
    """Kafka headers that let consumers filter without parsing the value."""
    ext = event.wirestream
    return [
        ("ws-event", ext.event.encode()),
        ("ws-story-version", str(ext.story_version).encode()),
        ("ws-schema", ext.schema_version.encode()),
    ]
