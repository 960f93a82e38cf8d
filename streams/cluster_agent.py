"""Event clusters and near-duplicates on the stream (issue 15): two agents and two Faust tables.

::

    wire.enriched ──► [route_by_language] ──► wire.clusters.by-language ──► [cluster_stories] ──┬─► wire.story-clusters
    (key: story id)    re-key by language      (key: language)               story table        │   (key: story id)
                                                                             (changelog:         └─► wire.clusters
                                                                              wire.clusters.stories)  (compacted, key:
                                                                             cluster table            cluster id: the
                                                                                                      table's changelog)

**Why by language, and where it stops.** Stories of one language can only cluster (and duplicate) with each other,
so keying by language gives each language's whole index to one agent instance, with no cross-partition lookups:
adding languages, and workers for them, scales out linearly, and one index per language stays small enough in memory
(windowed and capped, :class:`streams.clusters.ClusterConfig`). It stops at the throughput of one language on one
partition: all English copy goes through one consumer (about 5,000 stories/s of clustering at well under 1 ms each,
far above any wire, but the enrichment before it is the real bound), and there is no more parallelism than there
are languages; past that, one would key by language + coarse topic or region and accept missing cross-key merges.

At-least-once: a batch's table rows are written to their changelog partitions and acknowledged, then its
``wire.story-clusters`` records are published and acknowledged, and only then may Faust commit the input offsets.
A re-delivered story finds its own row in the story table and gets the same answer (``status = repeat``), so a
kill -9 at any point leaves no story in two clusters. After a restart or a rebalance Faust recovers the tables from
their changelogs; each language's clusterer is then rebuilt from the recovered story rows
(:meth:`EventClusterer.restore`, nothing re-decided), timed as ``wirestream_cluster_rebuild_seconds``.

Importing this module declares the topics, tables and agents on the app and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

import faust
import orjson
from faust.types import EventT

from schemas.models import EnrichedStory, EventCluster, StoryCluster
from streams import metrics
from streams.agent_support import (
    FaustPublisher,
    FaustTableWriter,
    Parts,
    TableWriter,
    at_least_once,
    broker_committed,
    bytes_table,
    raw_topic,
    until_acknowledged,
)
from streams.app import app, settings
from streams.clusters import Assignment, ClusterConfig, EventClusterer, StoryRecord, features_of_event
from streams.processing import Publisher
from streams.topics import Topics

log = logging.getLogger(__name__)

_topics = Topics.of(settings)
CLUSTERS, CLUSTER_STORIES, STORY_CLUSTERS, BY_LANGUAGE = _topics.clustering()


enriched_topic = raw_topic(app, _topics.enriched)
by_language_topic = raw_topic(app, BY_LANGUAGE)

#: Story id -> :class:`StoryRecord` JSON (+ ``lang``): each story's decision, enough to rebuild the clusterer.
story_table = bytes_table(app, "cluster-stories", CLUSTER_STORIES, settings.partitions,
                          "Event clusters: per story, its cluster and features.")  # fmt: skip
#: Cluster id -> :class:`schemas.models.EventCluster` JSON; its changelog is the published topic ``wire.clusters``.
cluster_table = bytes_table(app, "cluster-clusters", CLUSTERS, settings.partitions,
                            "Event clusters: one record per open cluster (changelog: wire.clusters).")  # fmt: skip


def cluster_config() -> ClusterConfig:
    """The clusterer's settings: ``WIRESTREAM_CLUSTER_WINDOW_H``, ``_MAX_STORIES`` and ``_MAX_CLUSTERS``."""
    return ClusterConfig(
        window_s=settings.cluster_window_h * 3600.0,
        max_stories=settings.cluster_max_stories,
        max_clusters=settings.cluster_max_clusters,
    )


@dataclass
class ClusterParts:
    """What the clustering agents work with; one set per worker process."""

    publisher: Publisher
    writer: TableWriter
    config: ClusterConfig = field(default_factory=cluster_config)
    clusterers: dict[str, EventClusterer] = field(default_factory=dict)
    assignment: frozenset[Any] | None = None

    @classmethod
    def build(cls, faust_app: faust.App) -> ClusterParts:
        return cls(FaustPublisher(faust_app), FaustTableWriter())

    def clusterer(self, language: str) -> EventClusterer:
        """The language's clusterer, rebuilt from the (recovered) story table the first time it is needed."""
        if language not in self.clusterers:
            start = perf_counter()
            records = []
            for value in list(story_table.data.values()):
                row = orjson.loads(value)
                if row.get("lang") == language:
                    records.append(StoryRecord.of_dict(row))
            c = EventClusterer(self.config)
            n = c.restore(records)
            self.clusterers[language] = c
            metrics.CLUSTER_REBUILD_SECONDS.labels(language=language).set(round(perf_counter() - start, 4))
            metrics.CLUSTER_REBUILT_STORIES.labels(language=language).set(n)
            if n:
                log.info("clusters: rebuilt %s from %d recovered stories in %.3fs", language, n, perf_counter() - start)
        return self.clusterers[language]

    def check_assignment(self, faust_app: faust.App) -> None:
        """Forget every clusterer when this worker's partitions changed (a rebalance): rebuilt from the tables."""
        try:
            now = frozenset(faust_app.consumer.assignment())
        except Exception:  # noqa: BLE001 - no consumer (tests): keep the clusterers
            return
        if self.assignment is not None and now != self.assignment:
            self.clusterers.clear()
        self.assignment = now


_parts: Parts[ClusterParts] = Parts(lambda: ClusterParts.build(app))
parts = _parts.get
install = _parts.install


def language_of(doc: dict[str, Any]) -> str:
    """The primary language subtag of an enriched event (``en-GB`` -> ``en``), ``und`` when unknown."""
    return str(doc.get("language") or "und").split("-")[0].lower() or "und"


async def route_batch(p: ClusterParts, events: Sequence[EventT]) -> None:
    """Re-key enriched events by language (withdrawals and undecodable values are passed by) and await the acks."""
    messages: list[tuple[bytes, bytes]] = []
    for event in events:
        try:
            doc = orjson.loads(event.message.value or b"")
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and (doc.get("wirestream") or {}).get("event") == "enriched":
            messages.append((language_of(doc).encode(), event.message.value or b""))

    async def send() -> list[Awaitable[object]]:
        return [await p.publisher.send(BY_LANGUAGE, k, v, []) for k, v in messages]

    await until_acknowledged(send, "re-keyed events")


def _ts(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def cluster_message(c: EventClusterer, cluster_id: str, language: str) -> bytes | None:
    """The ``wire.clusters`` value of an open cluster (None once it closed: a tombstone)."""
    cl = c.cluster(cluster_id)
    if cl is None:
        return None
    rec = cl.record()
    rec.update(language=language, first_seen=_ts(rec["first_seen"]), last_seen=_ts(rec["last_seen"]))
    return orjson.dumps(EventCluster(**rec).model_dump(mode="json"))


def story_message(a: Assignment, language: str) -> bytes:
    """The ``wire.story-clusters`` value of one assignment."""
    dup = a.duplicate_of
    msg = StoryCluster(
        story_id=a.story_id, version=a.version, cluster_id=a.cluster_id, language=language, status=a.status,  # type: ignore[arg-type]
        similarity=a.similarity, assigned_at=datetime.now(UTC),
        duplicate_of={"story_id": dup.story_id, "version": dup.version, "similarity": dup.similarity} if dup else None,  # type: ignore[arg-type]
    )  # fmt: skip
    return orjson.dumps(msg.model_dump(mode="json", exclude_none=True))


async def cluster_batch(p: ClusterParts, events: Sequence[EventT]) -> None:
    """Assign a batch of (language-keyed) enriched events; write the table rows, then publish the assignments."""
    stories: dict[bytes, tuple[int, bytes | None]] = {}
    clusters: dict[tuple[bytes, str], int] = {}
    outputs: list[tuple[bytes, bytes]] = []
    touched: set[str] = set()
    for event in events:
        start = perf_counter()
        try:
            story = EnrichedStory.model_validate_json(event.message.value or b"")
        except ValueError:
            continue
        language = language_of({"language": story.language})
        c = p.clusterer(language)
        a = c.observe(features_of_event(story, num_perm=p.config.num_perm))
        part = event.message.partition
        if a.status != "repeat" and a.record is not None:
            row = a.record.as_dict()
            row["lang"] = language
            stories[a.story_id.encode()] = (part, orjson.dumps(row))
            clusters[(a.cluster_id.encode(), language)] = part
        for sid in a.evicted_stories:
            stories[sid.encode()] = (part, None)
        for cid in a.closed_clusters:
            clusters[(cid.encode(), language)] = part
        outputs.append((a.story_id.encode(), story_message(a, language)))
        touched.add(language)
        metrics.CLUSTER_ASSIGNMENTS.labels(status=a.status).inc()
        if a.duplicate_of is not None and a.status == "duplicate":
            metrics.CLUSTER_DUPLICATES.inc()
        metrics.CLUSTER_EVICTED.labels(kind="story").inc(len(a.evicted_stories))
        metrics.CLUSTER_EVICTED.labels(kind="cluster").inc(len(a.closed_clusters))
        metrics.CLUSTER_SECONDS.observe(perf_counter() - start)

    async def write_tables() -> list[Awaitable[object]]:
        futs = [await p.writer.write(story_table, part, k, v) for k, (part, v) in stories.items()]
        for (cid, language), part in clusters.items():
            value = cluster_message(p.clusterers[language], cid.decode(), language)
            futs.append(await p.writer.write(cluster_table, part, cid, value))
        return futs

    async def publish() -> list[Awaitable[object]]:
        return [await p.publisher.send(STORY_CLUSTERS, k, v, [("ws-event", b"story-cluster")]) for k, v in outputs]

    await until_acknowledged(write_tables, "cluster tables")
    await until_acknowledged(publish, "story clusters")
    for language in touched:
        stats = p.clusterers[language].stats()
        metrics.CLUSTERS_OPEN.labels(language=language).set(stats["clusters"])
        metrics.CLUSTER_STORIES.labels(language=language).set(stats["stories"])
    metrics.CLUSTER_TABLE_ROWS.labels(table="stories").set(len(story_table.data))
    metrics.CLUSTER_TABLE_ROWS.labels(table="clusters").set(len(cluster_table.data))


async def _batches(stream: faust.StreamT, handle: Callable[[ClusterParts, Sequence[EventT]], Awaitable[None]]) -> None:
    """Both agents' loop (:func:`streams.agent_support.at_least_once`) around ``handle``, after forgetting the
    clusterers when a rebalance changed this worker's partitions."""
    p = parts()
    metrics.init_cluster_series()

    async def step(events: Sequence[EventT]) -> None:
        p.check_assignment(app)
        await handle(p, events)

    await at_least_once(app, stream, settings.batch_size * 4, settings.batch_timeout_s, step, broker_committed(settings))


@app.agent(enriched_topic, concurrency=1)
async def route_by_language(stream: faust.StreamT) -> None:
    """Event clusters, step 1: re-key enriched stories by language, so one agent instance owns a language's index."""
    await _batches(stream, route_batch)


@app.agent(by_language_topic, concurrency=1)
async def cluster_stories(stream: faust.StreamT) -> None:
    """Event clusters, step 2: flag near-duplicates and assign each story to an event cluster (wire.story-clusters,
    wire.clusters)."""
    await _batches(stream, cluster_batch)
