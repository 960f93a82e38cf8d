"""One batch of raw messages in, enriched events and dead letters out.

Kept apart from Faust so the whole flow can be driven in tests with an in-memory
:class:`Publisher`; the agent in ``streams.agents`` only adapts Faust events to it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from typing import Any, Protocol

from schemas.models import DeadLetter, EnrichedStory, Enrichment, ReasonCode, Story
from streams import metrics
from streams.config import Settings
from streams.enrich.document import Document
from streams.ingest import IngestError, IngestLimits, parse_message
from streams.output import (
    FILE_HEADER,
    SourceRef,
    dead_letter,
    enriched_event,
    event_headers,
    to_bytes,
    withdrawal_event,
)
from streams.runner import EnrichOutcome, StageFailure
from streams.topics import Topics

log = logging.getLogger(__name__)

#: Most bytes of an original message a dead letter carries (base64 makes that ~350 kB, under Kafka's 1 MB default).
DEAD_LETTER_ORIGINAL_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A message taken from the raw topic."""

    key: bytes | None
    value: bytes | None
    source: SourceRef
    timestamp: float | None = None  # broker timestamp, seconds
    headers: tuple[tuple[str, bytes], ...] = ()

    def header(self, name: str) -> str | None:
        """The first header ``name`` as text, or None."""
        return next((v.decode("utf-8", "replace") for k, v in self.headers if k == name and v is not None), None)


class Publisher(Protocol):
    """Sends one message; the returned awaitable resolves once the broker acknowledged it."""

    async def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Awaitable[object]: ...


class Enrich(Protocol):
    async def enrich(self, docs: Sequence[Document]) -> list[EnrichOutcome]: ...


@dataclass
class BatchResult:
    """What one batch produced (for logs and tests)."""

    enriched: list[EnrichedStory] = field(default_factory=list)
    withdrawn: list[EnrichedStory] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


class BatchProcessor:
    """Parse, enrich and publish batches of raw messages for one worker."""

    def __init__(self, settings: Settings, runner: Enrich) -> None:
        self.settings = settings
        self.runner = runner
        self.limits = IngestLimits.from_settings(settings)
        self.topics = Topics.of(settings)

    def _parse(self, records: Sequence[RawRecord], result: BatchResult) -> list[tuple[RawRecord, Story]]:
        stories: list[tuple[RawRecord, Story]] = []
        for rec in records:
            start = perf_counter()
            try:
                story = parse_message(rec.value, received_at=_received_at(rec), limits=self.limits)
            except IngestError as err:
                metrics.STORIES_CONSUMED.labels(format=err.source_format or "unknown").inc()
                result.dead_letters.append(
                    _dead_letter(rec, reason=err.reason, message=err.message, stage=err.stage, source_format=err.source_format)
                )
                continue
            finally:
                metrics.observe_stage("parse", perf_counter() - start)
            metrics.STORIES_CONSUMED.labels(format=story.source_format).inc()
            stories.append((rec, story))
        return stories

    async def _enrich(self, items: list[tuple[RawRecord, Story]], result: BatchResult) -> None:
        docs = [Document.of_story(s) for _, s in items]
        start = perf_counter()
        outcomes = await self.runner.enrich(docs)
        metrics.observe_stage("enrich", perf_counter() - start, len(docs))
        metrics.BATCH_SIZE.observe(len(docs))
        for (rec, story), outcome in zip(items, outcomes, strict=True):
            if isinstance(outcome, StageFailure):
                metrics.ENRICH_ERRORS.labels(stage=outcome.stage).inc()
                result.dead_letters.append(
                    _dead_letter(
                        rec,
                        reason=ReasonCode.ENRICH_FAILED,
                        message=f"enrichment stage {outcome.stage!r} failed: {outcome.message}",
                        stage=f"enrich.{outcome.stage}",
                        source_format=story.source_format,
                        story_id=story.id,
                    )
                )
                continue
            self._observe_enrichment(outcome)
            result.enriched.append(enriched_event(story, outcome, rec.source))

    @staticmethod
    def _observe_enrichment(enrichment: Enrichment) -> None:
        for stage, seconds in enrichment.timings.items():
            metrics.observe_stage(stage, seconds)
        metrics.ENTITIES_PER_STORY.observe(len(enrichment.entities))
        metrics.TOPICS_PER_STORY.observe(len(enrichment.topics))

    async def process(self, records: Sequence[RawRecord]) -> BatchResult:
        """Parse and enrich ``records``; nothing is published yet."""
        result = BatchResult()
        stories = self._parse(records, result)
        to_enrich = []
        for rec, story in stories:
            if story.withdrawn:
                result.withdrawn.append(withdrawal_event(story, rec.source))
            else:
                to_enrich.append((rec, story))
        if to_enrich:
            await self._enrich(to_enrich, result)
        return result

    @staticmethod
    def fail_batch(records: Sequence[RawRecord], exc: BaseException) -> BatchResult:
        """Dead-letter every record of a batch that failed for an unexpected reason (nothing is dropped)."""
        message = f"internal error while processing the batch: {type(exc).__name__}: {exc}"
        letters = [_dead_letter(r, reason=ReasonCode.ENRICH_FAILED, message=message, stage="internal") for r in records]
        return BatchResult(dead_letters=letters)

    async def publish(self, result: BatchResult, publisher: Publisher) -> None:
        """Send every output of ``result`` and wait until the broker acknowledged all of them."""
        topics = self.topics
        start = perf_counter()
        pending: list[Awaitable[object]] = []
        produced: list[str] = []

        async def send(topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
            pending.append(await publisher.send(topic, key, value, headers))
            produced.append(topic)

        for event in [*result.enriched, *result.withdrawn]:
            key, value, headers = event.wirestream.story_id.encode(), to_bytes(event), event_headers(event)
            await send(topics.enriched, key, value, headers)
            for slug in dict.fromkeys(t.slug for t in event.wirestream.topics if t.level == 1 and t.confidence >= self.settings.topic_route_min_confidence):
                await send(topics.iptc(slug), key, value, headers)
        for letter in result.dead_letters:
            key = (letter.story_id or f"{letter.source_topic}-{letter.source_partition}-{letter.source_offset}").encode()
            headers = [("ws-reason", letter.reason.value.encode())]
            if letter.source_file:
                headers.append((FILE_HEADER, letter.source_file.encode()))
            await send(topics.deadletter, key, to_bytes(letter), headers)
        for fut in pending:
            await fut
        n = len(result.enriched) + len(result.withdrawn) + len(result.dead_letters)
        metrics.observe_stage("publish", perf_counter() - start, max(n, 1))
        self._count_published(result, produced)

    @staticmethod
    def _count_published(result: BatchResult, produced: list[str]) -> None:
        now = datetime.now(UTC)
        for topic in produced:
            metrics.MESSAGES_PRODUCED.labels(kafka_topic=topic).inc()
        for event in result.enriched:
            ext = event.wirestream
            metrics.STORIES_ENRICHED.inc()
            metrics.FRESHNESS.observe(max((now - ext.received_at).total_seconds(), 0.0))
            top_level = [t.slug for t in ext.topics if t.level == 1]
            for slug in dict.fromkeys(top_level) or ["none"]:
                metrics.STORIES_PUBLISHED.labels(topic=slug).inc()
            main_topic = top_level[0] if top_level else "none"
            for entity in ext.entities:
                if entity.stance is not None:
                    metrics.ENTITY_STANCE.labels(topic=main_topic, polarity=entity.stance.polarity).inc()
            if ext.tone is not None:
                metrics.STORY_TONE.labels(topic=main_topic, polarity=ext.tone.polarity).inc()
        metrics.STORIES_WITHDRAWN.inc(len(result.withdrawn))
        for letter in result.dead_letters:
            where = f"{letter.source_topic}/{letter.source_partition}@{letter.source_offset}"
            metrics.count_dead_letter(letter.reason.value, letter.stage, where, letter.message)


def _dead_letter(rec: RawRecord, **fields: Any) -> DeadLetter:
    """A dead letter for ``rec`` that always fits the producer's and broker's size limits.

    It carries at most :data:`DEAD_LETTER_ORIGINAL_BYTES` of the original value and key (``original_size`` keeps
    the full size): a multi-MB input once made an unpublishable dead letter, retried forever, blocking its partition.
    """
    value, key = rec.value or b"", rec.key
    fields.setdefault("source_file", rec.header(FILE_HEADER))
    cap = DEAD_LETTER_ORIGINAL_BYTES
    if len(value) <= cap and (key is None or len(key) <= cap):
        return dead_letter(rec.value, key, rec.source, **fields)
    fields["message"] = f"original truncated to its first {cap:,} of {len(value):,} bytes; {fields['message']}"
    letter = dead_letter(value[:cap], key[:cap] if key else key, rec.source, **fields)
    return letter.model_copy(update={"original_size": len(value)})


def _received_at(rec: RawRecord) -> datetime:
    """Arrival time on the raw topic (broker timestamp), else now."""
    if rec.timestamp:
        return datetime.fromtimestamp(rec.timestamp, UTC)
    return datetime.now(UTC)

