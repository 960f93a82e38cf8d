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

    @classmethod
    def of(cls, settings: Settings) -> Topics:
        """The names ``settings`` configure (``WIRESTREAM_TOPIC_*``)."""
        return cls(settings.topic_raw, settings.topic_enriched, settings.topic_deadletter, settings.topic_by_iptc_prefix)

    def iptc(self, slug: str) -> str:
        """The topic of one IPTC top-level slug, e.g. ``wire.topic.politics``."""
        return f"{self.iptc_prefix}{slug}"

    def slug_of(self, topic: str) -> str | None:
        """The IPTC slug of a per-topic output topic, None for any other name."""
        return topic.removeprefix(self.iptc_prefix) if topic.startswith(self.iptc_prefix) else None

    def by_iptc(self) -> list[str]:
        """The 17 per-topic output topics, in taxonomy order."""
        return [self.iptc(slug) for slug in TOP_LEVEL_SLUGS]

    def all(self) -> list[str]:
        """Every topic wirestream creates: raw, enriched, dead letters, then one per IPTC slug."""
        return list(dict.fromkeys([self.raw, self.enriched, self.deadletter, *self.by_iptc()]))


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
