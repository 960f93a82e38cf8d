"""Every Kafka topic name wirestream uses, derived from settings in this one place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from streams.config import Settings
from streams.enrich.iptc import TOP_LEVEL_SLUGS


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics of one deployment: raw input, enriched output, dead letters and one per IPTC top-level slug."""

    raw: str
    enriched: str
    deadletter: str
    iptc_prefix: str
    entities: str = "wire.entities"  # the entity registry (compacted, keyed by entity uri)
    clusters: str = "wire.clusters"  # event clusters (compacted, keyed by cluster id)

    @classmethod
    def of(cls, settings: Settings) -> Topics:
        """The names ``settings`` configure (``WIRESTREAM_TOPIC_*``)."""
        return cls(settings.topic_raw, settings.topic_enriched, settings.topic_deadletter, settings.topic_by_iptc_prefix,
                   entities_topic(settings), clusters_topic(settings))  # fmt: skip

    def iptc(self, slug: str) -> str:
        """The topic of one IPTC top-level slug, e.g. ``wire.topic.politics``."""
        return f"{self.iptc_prefix}{slug}"

    def slug_of(self, topic: str) -> str | None:
        """The IPTC slug of a per-topic output topic, None for any other name."""
        return topic.removeprefix(self.iptc_prefix) if topic.startswith(self.iptc_prefix) else None

    def by_iptc(self) -> list[str]:
        """The 17 per-topic output topics, in taxonomy order."""
        return [self.iptc(slug) for slug in TOP_LEVEL_SLUGS]

    def registry(self) -> list[str]:
        """The entity registry's topics: ``wire.entities`` (its table's changelog), the re-keying topic
        ``<entities>.updates`` (keyed by entity uri) and the story index's changelog ``<entities>.stories``."""
        return [self.entities, f"{self.entities}.updates", f"{self.entities}.stories"]

    def clustering(self) -> list[str]:
        """The event clusterer's topics: ``wire.clusters`` (its cluster table's changelog), its story table's
        changelog ``<clusters>.stories``, the assignments ``wire.story-clusters`` and the by-language re-keying topic."""
        story_clusters = "wire.story-clusters" + self.clusters.removeprefix("wire.clusters") if self.clusters.startswith("wire.clusters") else f"{self.clusters}.story"
        return [self.clusters, f"{self.clusters}.stories", story_clusters, f"{self.clusters}.by-language"]

    def compacted(self) -> list[str]:
        """Topics created with ``cleanup.policy=compact`` (latest value per key)."""
        return [self.entities, f"{self.entities}.stories", *self.clustering()[:3]]

    def all(self) -> list[str]:
        """Every topic wirestream creates: raw, enriched, dead letters, one per IPTC slug, then the registry's."""
        return list(dict.fromkeys([self.raw, self.enriched, self.deadletter, *self.by_iptc(), *self.registry(), *self.clustering()]))


def entities_topic(settings: Settings) -> str:
    """``WIRESTREAM_TOPIC_ENTITIES`` if the settings have it, else derived from the enriched topic's name
    (``wire.enriched`` -> ``wire.entities``, ``wire.enriched.<tag>`` -> ``wire.entities.<tag>``), so isolated
    settings get a registry of their own."""
    configured = getattr(settings, "topic_entities", None)
    if configured:
        return str(configured)
    enriched = settings.topic_enriched
    return "wire.entities" + enriched.removeprefix("wire.enriched") if enriched.startswith("wire.enriched") else f"{enriched}.entities"


def clusters_topic(settings: Settings) -> str:
    """``wire.clusters``, or ``wire.clusters.<tag>`` for isolated settings (derived like :func:`entities_topic`)."""
    enriched = settings.topic_enriched
    return "wire.clusters" + enriched.removeprefix("wire.enriched") if enriched.startswith("wire.enriched") else f"{enriched}.clusters"


def isolated(settings: Settings, tag: str, *, iptc: bool = True, unique: bool = True) -> Settings:
    """``settings`` with a consumer group and topics of their own (tests, benchmark modes, fault cases).

    Names get ``.<tag>`` (plus a random suffix when ``unique``); ``iptc=False`` keeps the IPTC topics shared.
    """
    suffix = f"{tag}.{uuid.uuid4().hex[:8]}" if unique else tag
    update = {
        "app_id": f"wirestream-{suffix}",
        "topic_raw": f"wire.raw.{suffix}",
        "topic_enriched": f"wire.enriched.{suffix}",
        "topic_deadletter": f"wire.deadletter.{suffix}",
    }
    if iptc:
        update["topic_by_iptc_prefix"] = f"wire.topic.{suffix}."
    return settings.model_copy(update=update)
