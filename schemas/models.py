"""Pydantic v2 models for every message wirestream reads or writes.

This module is the single source of truth for the wire contract:

* :class:`Story` -- one normalized incoming wire story (whatever its input format).
* :class:`Enrichment` -- what the enrichment library adds to a story.
* :class:`EnrichedStory` -- the event published on ``wire.enriched`` and ``wire.topic.<slug>``:
  IPTC ninjs 3.0 fields where ninjs has one, plus the ``wirestream`` extension object.
* :class:`DeadLetter` -- anything that could not be decoded, parsed, validated or enriched.
* :class:`EntityRecord` -- an entity across stories, on the compacted ``wire.entities`` (and :class:`EntityUpdate`,
  the registry's internal re-keying message).

JSON Schema files exported from these models live in ``schemas/json/`` (see ``schemas.export``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

SourceFormat = Literal["plaintext", "ninjs", "newsml-g2"]
PubStatus = Literal["usable", "withheld", "canceled"]
EntityType = Literal["PERSON", "ORG", "LOC", "GPE", "MISC"]
Polarity = Literal["negative", "neutral", "positive"]
TextField = Literal["headline", "body"]
QuoteKind = Literal["direct", "mixed", "indirect"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------- input


class Story(_Model):
    """One normalized wire story, produced by the input parsers."""

    id: str = Field(min_length=1, max_length=512, description="Guid carried by the input, else a stable content hash.")
    version: int = Field(default=1, ge=1, description="Version from the input format, else 1.")
    headline: str = Field(default="", max_length=2000)
    headline_derived: bool = Field(
        default=False, description="The input had no headline: `headline` is the body's first sentence, not a text of its own."
    )
    body: str = Field(description="Plain-text body; paragraphs separated by blank lines.")
    dateline_date: date | None = Field(default=None, description="Date the story carries (seed `date YYYY-MM-DD`, ninjs/G2 dates).")
    language: str | None = Field(default=None, description="BCP 47 language as declared by the input or detected.")
    source_format: SourceFormat
    pubstatus: PubStatus = Field(default="usable", description="`canceled`/`withheld` means the story is withdrawn.")
    received_at: datetime = Field(description="When wirestream received the message (UTC).")
    byline: str | None = None
    provider: str | None = None
    urgency: int | None = Field(default=None, ge=1, le=9)

    @property
    def withdrawn(self) -> bool:
        """True when the provider withdrew or cancelled this story."""
        return self.pubstatus != "usable"

    @property
    def key(self) -> str:
        """Kafka message key of every event derived from this story."""
        return self.id


# --------------------------------------------------------------------------- enrichment


class Mention(_Model):
    """One mention of an entity: character offsets into ``Story.headline`` or ``Story.body``."""

    text: str
    field: TextField = "body"
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    sentence: int = Field(ge=0, description="Index of the sentence (within the field) holding the mention.")


class Evidence(_Model):
    """A sentence that carries stance toward an entity."""

    sentence: str
    field: TextField = "body"
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    polarity: Polarity
    confidence: float = Field(ge=0.0, le=1.0)


class EntityStance(_Model):
    """Stance of the story toward one entity, aggregated over its mentions."""

    polarity: Polarity
    confidence: float = Field(ge=0.0, le=1.0)
    scores: dict[Polarity, float] = Field(description="Aggregated probability of each polarity.")
    evidence: list[Evidence] = Field(default_factory=list, description="Sentences that decided the polarity, strongest first.")


class EntityLink(_Model):
    """Where a place entity was linked in GeoNames (offline gazetteer), or why it was not."""

    uri: str | None = Field(default=None, description="`geonames:<id>`, or `iso3166-2:<code>` for an admin-1 region without a shipped GeoNames id; absent when unlinked.")
    geonames_id: int | None = None
    name: str | None = Field(default=None, description="GeoNames canonical name.")
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2; absent for continents and regions.")
    feature_class: str | None = Field(default=None, description="GeoNames feature class: `A` country/state, `P` city, `L` area.")
    feature_code: str | None = Field(default=None, description="GeoNames feature code, e.g. `PCLI`, `ADM1`, `PPL`, `CONT`, `RGN`.")
    lat: float | None = Field(default=None, ge=-90.0, le=90.0)
    lon: float | None = Field(default=None, ge=-180.0, le=180.0)
    population: int | None = Field(default=None, ge=0)
    score: float = Field(default=0.0, ge=0.0, le=1.0, description="Confidence of the choice over the runner-up.")
    candidates: int = Field(default=0, ge=0, description="Gazetteer entries considered.")
    unlinked: str | None = Field(
        default=None, description="Why the place was left unlinked: `not_in_gazetteer`, `ambiguous` or `weak_prior`."
    )


class EntityRelation(_Model):
    """A link from an entity to another real-world entity, e.g. a demonym's `nationality`."""

    type: Literal["nationality"]
    uri: str = Field(description="Stable id of the target, e.g. `geonames:3595528`.")
    name: str = Field(description="Canonical name of the target.")
    entity_id: str | None = Field(default=None, description="Story-local id of the target when the story names it.")


class Entity(_Model):
    """One real-world entity of a story: every mention clustered under one canonical name."""

    id: str = Field(description="Story-local id, e.g. `e1`.")
    name: str = Field(description="Canonical (longest proper) name of the entity.")
    type: EntityType
    salience: float = Field(ge=0.0, le=1.0, description="How central the entity is to the story; saliences sum to <= 1.")
    mentions: list[Mention]
    stance: EntityStance | None = None
    uri: str | None = Field(
        default=None,
        description="Stable id across stories: `geonames:<id>` for a linked place, else `ws:<type>:<name-slug>`.",
    )
    link: EntityLink | None = Field(default=None, description="GeoNames linking of a place (GPE/LOC).")
    relations: list[EntityRelation] = Field(default_factory=list)


class Topic(_Model):
    """One IPTC Media Topic assigned to a story."""

    code: str = Field(pattern=r"^medtop:\d{8}$", description="IPTC Media Topic qcode, e.g. `medtop:11000000`.")
    name: str
    level: int = Field(ge=1, le=5)
    parent: str | None = Field(default=None, pattern=r"^medtop:\d{8}$")
    slug: str = Field(description="Topic-name slug of the top-level ancestor, used for `wire.topic.<slug>`.")
    confidence: float = Field(ge=0.0, le=1.0)


class Tone(_Model):
    """Overall tone of the story."""

    polarity: Polarity
    score: float = Field(ge=-1.0, le=1.0, description="P(positive) - P(negative), averaged over sentences.")
    confidence: float = Field(ge=0.0, le=1.0)


class Quote(_Model):
    """A quotation or reported speech of a story, with its speaker (resolved to an entity where possible)."""

    text: str = Field(description="The quoted or reported content; its pieces joined by one space when the attribution interrupts it (`start`/`end` span them all).")
    field: TextField = "body"
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    kind: QuoteKind = Field(description="`direct` (all in quote marks), `mixed` (partly quoted) or `indirect` (reported).")
    cue: str = Field(description="The attribution cue, e.g. `said`, `according to`.")
    speaker: str | None = Field(default=None, description="The speaker as written (`he`, `a spokesman for the ministry`).")
    speaker_entity_id: str | None = Field(default=None, description="Id of the story entity the speaker resolves to.")
    speaker_name: str | None = Field(default=None, description="Canonical name of that entity.")
    confidence: float = Field(ge=0.0, le=1.0)


class Enrichment(_Model):
    """Everything the enrichment library adds to one story."""

    language: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    tone: Tone | None = None
    quotes: list[Quote] = Field(default_factory=list, description="Quotations and reported speech, in text order.")
    notes: list[str] = Field(default_factory=list, description="Machine-readable notes, e.g. `unsupported_language`.")
    model_versions: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds spent in each enrichment stage.")
    embedding: str | None = Field(
        default=None, description="The topic encoder's story vector: base64 of 384 int8 (unit vector x 127), for clustering."
    )


# --------------------------------------------------------------------------- output (ninjs 3.0 + extension)


class NinjsStandard(_Model):
    name: Literal["ninjs"] = "ninjs"
    version: Literal["3.0"] = "3.0"
    schema_: str = Field(default="https://www.iptc.org/std/ninjs/ninjs-schema_3.0.json", alias="schema")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NinjsText(_Model):
    value: str
    role: str | None = None
    contentType: str | None = None


class GeoJsonPoint(_Model):
    """A GeoJSON (RFC 7946) point: ``coordinates`` are ``[longitude, latitude]``."""

    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(min_length=2, max_length=2)


class NinjsConcept(_Model):
    """ninjs `subjects` / `people` / `organisations` / `places` item."""

    name: str
    uri: str | None = None
    literal: str | None = None
    rel: str | None = None
    relevance: int | None = Field(default=None, ge=0, le=100)
    confidence: int | None = Field(default=None, ge=0, le=100)
    creator: str | None = None
    geojson: GeoJsonPoint | None = Field(default=None, description="ninjs 3.0 `places[].geojson`: where the place is.")


class WirestreamExtension(_Model):
    """The `wirestream` extension object: what ninjs has no field for."""

    schema_version: str = SCHEMA_VERSION
    event: Literal["enriched", "withdrawn"]
    story_id: str
    story_version: int = Field(ge=1)
    source_format: SourceFormat
    dateline_date: date | None = None
    received_at: datetime
    published_at: datetime
    source: dict[str, int | str] = Field(default_factory=dict, description="Input topic/partition/offset.")
    entities: list[Entity] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    tone: Tone | None = None
    quotes: list[Quote] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    model_versions: dict[str, str] = Field(default_factory=dict)
    embedding: str | None = Field(default=None, description="Story vector, base64 of 384 int8 (see `Enrichment.embedding`).")


class EnrichedStory(_Model):
    """Event on `wire.enriched` and `wire.topic.<slug>`, keyed by story id.

    A newer ``version`` of the same ``uri`` supersedes older ones; ``pubStatus`` other than
    ``usable`` (``wirestream.event == "withdrawn"``) tells consumers to drop the story.
    """

    uri: str
    standard: NinjsStandard = Field(default_factory=NinjsStandard)
    type: Literal["text"] = "text"
    version: str
    firstCreated: datetime | None = None
    versionCreated: datetime | None = None
    pubStatus: PubStatus = "usable"
    language: str | None = None
    urgency: int | None = None
    by: str | None = None
    headlines: list[NinjsText] = Field(default_factory=list)
    bodies: list[NinjsText] = Field(default_factory=list)
    subjects: list[NinjsConcept] = Field(default_factory=list)
    people: list[NinjsConcept] = Field(default_factory=list)
    organisations: list[NinjsConcept] = Field(default_factory=list)
    places: list[NinjsConcept] = Field(default_factory=list)
    wirestream: WirestreamExtension


# --------------------------------------------------------------------------- dead letters


class ReasonCode(StrEnum):
    """Stable reason codes carried by dead letters and the `reason` metric label."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    DECODE_ERROR = "decode_error"
    UNKNOWN_FORMAT = "unknown_format"
    PARSE_ERROR = "parse_error"
    XML_FORBIDDEN = "xml_forbidden"
    VALIDATION_ERROR = "validation_error"
    PARSE_TIMEOUT = "parse_timeout"
    ENRICH_FAILED = "enrich_failed"


class DeadLetter(_Model):
    """A message wirestream could not turn into an enriched story, with the reason."""

    reason: ReasonCode
    message: str = Field(description="Human-readable explanation.")
    stage: str | None = Field(default=None, description="Pipeline stage that failed, e.g. `parse`, `enrich.entities`.")
    source_format: SourceFormat | None = None
    story_id: str | None = None
    original_b64: str = Field(description="The original message value, base64.")
    original_key_b64: str | None = None
    original_size: int = Field(ge=0)
    source_topic: str
    source_partition: int
    source_offset: int
    source_file: str | None = Field(default=None, description="File name the producer sent with it (`ws-file` header of `wirestream push`).")
    failed_at: datetime


# --------------------------------------------------------------------------- entity registry (wire.entities)
# Issue 11 item 4. The pure logic lives in streams/registry/ (TypedDicts of the same shape, for speed); these
# models are the contract, checked against it by tests/unit/registry.


class RegistryLink(_Model):
    """The GeoNames entry a place is linked to (the latest story's linking)."""

    uri: str = Field(description="`geonames:<id>` or `iso3166-2:<code>`.")
    geonames_id: int | None = None
    name: str | None = Field(default=None, description="GeoNames canonical name.")
    country_code: str | None = None
    feature_class: str | None = None
    feature_code: str | None = None
    lat: float | None = Field(default=None, ge=-90.0, le=90.0)
    lon: float | None = Field(default=None, ge=-180.0, le=180.0)
    population: int | None = Field(default=None, ge=0)


class RegistryRelation(_Model):
    """A relation the entity was seen with, e.g. a demonym's `nationality` to its country."""

    type: str
    uri: str
    name: str = ""


class EntityStoryRef(_Model):
    """A story the record has seen, at its latest version: counted, or retracted (a tombstone)."""

    story_id: str
    version: int = Field(ge=1)
    seen_at: str = Field(description="When the story reached wirestream, UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.")
    mentions: int = Field(ge=0)
    counted: bool = Field(description="False once a newer version dropped the entity or the story was withdrawn.")


class EntityRecord(_Model):
    """The message on the compacted topic `wire.entities` (key: the entity `uri`): one real-world entity across stories.

    The latest record per key is the entity's state; consumers join on `uri` (the `Entity.uri` of enriched events).
    `story_count` counts each live story once, whatever the re-deliveries (idempotent by story id and version).
    """

    schema_version: str = "1.0"
    uri: str = Field(description="Stable entity id: `geonames:<id>`, `iso3166-2:<code>` or `ws:<type>:<slug>`.")
    type: EntityType = Field(description="Type in the latest story.")
    name: str = Field(description="Canonical name in the latest story.")
    names: list[str] = Field(description="Canonical names seen, first seen first (at most 32).")
    aliases: list[str] = Field(description="Surface forms of its mentions seen (at most 64).")
    types: list[EntityType] = Field(description="Every type it was seen with.")
    link: RegistryLink | None = Field(default=None, description="GeoNames linking of a place.")
    relations: list[RegistryRelation] = Field(default_factory=list)
    first_seen: str = Field(description="Earliest arrival of a story naming it (UTC, same form as `seen_at`).")
    last_seen: str
    story_count: int = Field(ge=0, description="Distinct live stories naming it (latest versions, withdrawals excluded).")
    mention_count: int = Field(ge=0, description="Mentions in those stories.")
    folded_stories: int = Field(ge=0, description="Counted stories older than the window of `stories`.")
    folded_mentions: int = Field(ge=0)
    stories: list[EntityStoryRef] = Field(description="The most recent stories (at most 200), oldest first.")
    updated_at: str


class EntityUpdate(_Model):
    """A message of the registry's internal re-keying topic (key: `uri`): one story's contribution or retraction."""

    op: Literal["add", "retract"]
    uri: str
    story_id: str
    version: int = Field(ge=1)
    seen_at: str
    type: EntityType | None = None
    name: str | None = None
    aliases: list[str] | None = None
    mentions: int | None = Field(default=None, ge=0)
    salience: float | None = None
    link: RegistryLink | None = None
    relations: list[RegistryRelation] | None = None


__all__ = [
    "SCHEMA_VERSION",
    "DeadLetter",
    "EnrichedStory",
    "Enrichment",
    "Entity",
    "EntityLink",
    "EntityRelation",
    "EntityRecord",
    "EntityStance",
    "EntityStoryRef",
    "EntityUpdate",
    "EntityType",
    "Evidence",
    "GeoJsonPoint",
    "Mention",
    "NinjsConcept",
    "NinjsStandard",
    "NinjsText",
    "Polarity",
    "PubStatus",
    "Quote",
    "QuoteKind",
    "ReasonCode",
    "RegistryLink",
    "RegistryRelation",
    "SourceFormat",
    "Story",
    "Tone",
    "Topic",
    "WirestreamExtension",
]


# --------------------------------------------------------------------------- event clusters (issue 15)


class ClusterMember(_Model):
    story_id: str
    version: int = Field(ge=1)
    source: str = Field(description="Who sent it: the `urn:NS:` namespace or URL host of its id, else its byline.")


class ClusterEntity(_Model):
    key: str = Field(description="The entity's stable `uri` where enrichment linked it, else `type:name`.")
    name: str
    weight: float = Field(ge=0.0, description="Mean (salience + 0.05) over the cluster's stories.")


class EventCluster(_Model):
    """Record on `wire.clusters` (compacted), keyed by cluster id: the latest state of one event cluster."""

    schema_version: str = SCHEMA_VERSION
    cluster_id: str
    status: Literal["open", "closed"] = Field(description="`closed` once no story joined within the window.")
    language: str
    first_story: str
    headline: str = Field(description="Representative headline (the first story's).")
    size: int = Field(ge=0, description="Stories assigned, versions not counted.")
    duplicates: int = Field(ge=0, description="How many of them are near-duplicates of another.")
    members: list[ClusterMember] = Field(description="Members (the first 200).")
    sources: list[str]
    top_entities: list[ClusterEntity] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list, description="Most frequent IPTC top-level slugs.")
    first_seen: datetime
    last_seen: datetime


class DuplicateOf(_Model):
    story_id: str
    version: int = Field(ge=1)
    similarity: float = Field(ge=0.0, le=1.0, description="Estimated Jaccard (or containment) of body word 3-grams.")


class StoryCluster(_Model):
    """Record on `wire.story-clusters`, keyed by story id: which cluster a story (version) belongs to."""

    schema_version: str = SCHEMA_VERSION
    story_id: str
    version: int = Field(ge=1)
    cluster_id: str
    language: str
    status: Literal["new", "joined", "duplicate", "version", "repeat"] = Field(
        description="`new` opened the cluster; `version` is a newer version of a known story (never a duplicate)."
    )
    similarity: float = Field(description="Similarity to the cluster it joined (1 when it opened it).")
    duplicate_of: DuplicateOf | None = None
    assigned_at: datetime
