"""What the clusterer knows of one story, computed once from its enriched event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from streams.clusters.minhash import MinHasher
from streams.clusters.text import shingle_hashes, top_terms
from streams.clusters.vectors import decode_embedding

#: Entity types that identify an event; MISC (nationalities, events' names) is too loose.
EVENT_ENTITY_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC"})
_HASHER: dict[int, MinHasher] = {}


def hasher(num_perm: int = 120) -> MinHasher:
    """The process's MinHasher for ``num_perm`` permutations (fixed seed: signatures agree across processes)."""
    if num_perm not in _HASHER:
        _HASHER[num_perm] = MinHasher(num_perm)
    return _HASHER[num_perm]


def entity_key(entity: Any) -> str:
    """The entity's stable ``uri`` (``geonames:...``, ``ws:person:...``) where present, else type + name."""
    uri = getattr(entity, "uri", None) if not isinstance(entity, dict) else entity.get("uri")
    if uri:
        return str(uri)
    get = entity.get if isinstance(entity, dict) else lambda k: getattr(entity, k)
    return f"{str(get('type')).lower()}:{' '.join(str(get('name')).lower().split())}"


def source_of(uri: str, byline: str | None = None) -> str:
    """Who sent a story: the namespace of a ``urn:NS:...`` id, the host of a URL, else the byline."""
    if uri.startswith("urn:"):
        parts = uri.split(":")
        if len(parts) > 2:
            return parts[1] if parts[1] != "wirestream" or len(parts) < 4 else parts[2]
    if "://" in uri:
        host = urlsplit(uri).hostname
        if host:
            return host
    return byline or "unknown"


@dataclass
class StoryFeatures:
    """A story as the clusterer sees it. ``at`` is event time in seconds since the epoch."""

    story_id: str
    version: int
    at: float
    headline: str
    source: str
    language: str
    signature: np.ndarray
    shingles: int
    embedding: np.ndarray | None = None
    entities: dict[str, float] = field(default_factory=dict)  # key -> weight (salience, at least 0.05)
    names: dict[str, str] = field(default_factory=dict)  # key -> canonical name
    terms: dict[int, float] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    dateline: date | None = None


def build_features(
    *,
    story_id: str,
    version: int,
    at: float,
    headline: str,
    body: str,
    entities: list[Any],
    embedding: np.ndarray | None,
    language: str = "und",
    source: str = "unknown",
    topics: list[str] | None = None,
    dateline: date | None = None,
    num_perm: int = 120,
) -> StoryFeatures:
    """Features of a story from its text and what enrichment found (entities with ``uri``/``name``/``type``)."""
    weights: dict[str, float] = {}
    names: dict[str, str] = {}
    for ent in entities:
        etype = ent.get("type") if isinstance(ent, dict) else ent.type
        if etype not in EVENT_ENTITY_TYPES:
            continue
        key = entity_key(ent)
        sal = float(ent.get("salience", 0.0) if isinstance(ent, dict) else ent.salience)
        weights[key] = max(weights.get(key, 0.0), 0.05 + sal)
        names.setdefault(key, str(ent.get("name") if isinstance(ent, dict) else ent.name))
    shingles = shingle_hashes(f"{body}")
    return StoryFeatures(
        story_id=story_id, version=version, at=at, headline=headline, source=source, language=language,
        signature=hasher(num_perm).signature(shingles), shingles=len(shingles), embedding=embedding,
        entities=weights, names=names, terms=top_terms(headline, body), topics=list(topics or []), dateline=dateline,
    )  # fmt: skip


def features_of_event(event: Any, *, num_perm: int = 120) -> StoryFeatures:
    """Features of an ``EnrichedStory`` (the model of ``wire.enriched``); time is its ``received_at``."""
    ext = event.wirestream
    headline = next((h.value for h in event.headlines if h.role in (None, "main")), "")
    body = "\n\n".join(b.value for b in event.bodies)
    return build_features(
        story_id=ext.story_id,
        version=ext.story_version,
        at=ext.received_at.timestamp(),
        headline=headline,
        body=body,
        entities=list(ext.entities),
        embedding=decode_embedding(getattr(ext, "embedding", None)),
        language=(event.language or "und").split("-")[0].lower(),
        source=source_of(event.uri, event.by),
        topics=[t.slug for t in ext.topics if t.level == 1],
        dateline=ext.dateline_date,
        num_perm=num_perm,
    )
