"""The entity registry on the stream (issue 11): one record per real-world entity across stories.

Two agents and two Faust tables, all co-partitioned (same partition count; each table's changelog is written to the
partition of the event that changed it)::

    wire.enriched ──► [route_entities] ──► wire.entities.updates ──► [update_entities] ──► wire.entities
    (key: story id)    story index table   (key: entity uri)          entity table          (compacted, key: uri;
                       (changelog:          one add per entity,        (its changelog IS     the table's changelog)
                        wire.entities        a retract per entity      the published topic)
                        .stories)            a story no longer names)

* ``route_entities`` turns each enriched event into per-entity updates (:func:`streams.registry.route`) and keeps,
  per story, the version and entity uris it last routed, so a stale event changes nothing and a new version or a
  withdrawal retracts what it dropped. It publishes the updates, **waits for the broker's acknowledgement**, then
  writes the story's index entry, then lets Faust commit (a crash in between re-routes the same updates).
* ``update_entities`` applies each update to the entity's record (:func:`streams.registry.apply_update`: idempotent
  by story id + version, see :mod:`streams.registry.merge` for why counts are exact) and writes the changed records
  to the table, whose changelog is ``wire.entities``; the input offsets are committed only after those writes are
  acknowledged. Restarts and rebalances rebuild the table from ``wire.entities`` (Faust recovery; progress exported
  as ``wirestream_table_recovery_*``).

Importing this module declares the topics, tables, agents and a recovery-metrics timer on the app and nothing else;
the parts they work with (:class:`RegistryParts`) are built on first use or installed by a test with :func:`install`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from time import monotonic, perf_counter
from typing import Any

import faust
import orjson
from faust.types import EventT

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
from streams.processing import Publisher
from streams.registry import StoryIndex, apply_update, decode_record, encode_record, route
from streams.registry.merge import Record
from streams.topics import Topics

log = logging.getLogger(__name__)

_topics = Topics.of(settings)
ENTITIES, UPDATES, STORIES = _topics.registry()


enriched_topic = raw_topic(app, _topics.enriched)
updates_topic = raw_topic(app, UPDATES)

#: Entity uri -> :class:`streams.registry.merge.Record` JSON; its changelog is the published topic ``wire.entities``.
entity_table = bytes_table(app, "registry-entities", ENTITIES, settings.partitions,
                           "Entity registry: one record per entity uri (changelog: wire.entities).")  # fmt: skip
#: Story id -> :class:`streams.registry.StoryIndex` JSON (what the registry last counted for the story).
story_table = bytes_table(app, "registry-stories", STORIES, settings.partitions,
                          "Entity registry: per story, the version and entity uris last counted.")  # fmt: skip


@dataclass
class RecoveryExporter:
    """Exports Faust's table recovery progress (``wirestream_table_recovery_*``) each time it is polled.

    Recoveries shorter than the polling interval are still counted and timed: Faust's recovery service stamps its
    start and end (``_recovery_started_at``/``_recovery_ended_at``, monotonic; faust-streaming 0.15).
    """

    last_ended: float | None = None
    exported: set[tuple[str, int, str]] = field(default_factory=set)

    def poll(self, faust_app: faust.App) -> None:
        recovery = faust_app.tables.recovery  # type: ignore[attr-defined]  # the TableManager has it; its protocol does not
        active = bool(getattr(recovery, "in_recovery", False))
        started, ended = getattr(recovery, "_recovery_started_at", None), getattr(recovery, "_recovery_ended_at", None)
        metrics.TABLE_RECOVERY_IN_PROGRESS.set(1 if active else 0)
        if active and started is not None:
            metrics.TABLE_RECOVERY_SECONDS.set(round(monotonic() - started, 3))
        elif ended is not None and ended != self.last_ended:
            self.last_ended = ended
            metrics.TABLE_RECOVERIES.inc()
            if started is not None:
                metrics.TABLE_RECOVERY_SECONDS.set(round(max(ended - started, 0.0), 3))
        seen: set[tuple[str, int, str]] = set()
        for kind, remaining in (("active", recovery.active_remaining()), ("standby", recovery.standby_remaining())):
            for tp, left in remaining.items():
                seen.add((tp.topic, tp.partition, kind))
                metrics.TABLE_RECOVERY_REMAINING.labels(topic=tp.topic, partition=str(tp.partition), kind=kind).set(max(left, 0))
        for topic, partition, kind in self.exported - seen:
            metrics.TABLE_RECOVERY_REMAINING.labels(topic=topic, partition=str(partition), kind=kind).set(0)
        self.exported = seen
        metrics.REGISTRY_ENTITIES.set(len(entity_table.data))


@dataclass
class RegistryParts:
    """What the registry agents work with; one set per worker process."""

    publisher: Publisher
    writer: TableWriter
    recovery: RecoveryExporter = field(default_factory=RecoveryExporter)

    @classmethod
    def build(cls, faust_app: faust.App) -> RegistryParts:
        return cls(FaustPublisher(faust_app), FaustTableWriter())


_parts: Parts[RegistryParts] = Parts(lambda: RegistryParts.build(app))
parts = _parts.get
install = _parts.install


def _json(event: EventT) -> dict[str, Any] | None:
    try:
        value = orjson.loads(event.message.value or b"")
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def route_batch(p: RegistryParts, events: Sequence[EventT]) -> None:
    """Route a batch of enriched events: publish their updates, await them, then record each story's index entry."""
    start = perf_counter()
    messages: list[tuple[bytes, bytes]] = []
    index: dict[bytes, tuple[int, StoryIndex]] = {}  # later events of the batch see the earlier ones' entries
    for event in events:
        doc = _json(event)
        story_id = str(((doc or {}).get("wirestream") or {}).get("story_id") or "")
        if doc is None or not story_id:
            metrics.REGISTRY_EVENTS.labels(result="stale").inc()
            continue
        key = story_id.encode()
        previous = index[key][1] if key in index else _decode_index(story_table.data.get(key))
        routing = route(doc, previous)
        if routing.stale or routing.index is None:
            metrics.REGISTRY_EVENTS.labels(result="stale").inc()
            continue
        metrics.REGISTRY_EVENTS.labels(result="routed").inc()
        messages.extend((u["uri"].encode(), orjson.dumps(u)) for u in routing.updates)
        index[key] = (event.message.partition, routing.index)
    metrics.observe_stage("registry_route", perf_counter() - start, max(len(events), 1))

    async def send_updates() -> list[Awaitable[object]]:
        return [await p.publisher.send(UPDATES, k, v, []) for k, v in messages]

    async def write_index() -> list[Awaitable[object]]:
        return [await p.writer.write(story_table, part, k, orjson.dumps(entry)) for k, (part, entry) in index.items()]

    await until_acknowledged(send_updates, "entity updates")
    await until_acknowledged(write_index, "the story index")


async def update_batch(p: RegistryParts, events: Sequence[EventT]) -> None:
    """Apply a batch of entity updates to their records and write the changed records (``wire.entities``)."""
    start = perf_counter()
    records: dict[bytes, Record | None] = {}
    dirty: dict[bytes, int] = {}
    for event in events:
        key, update = event.message.key, _json(event)
        if not key or update is None:
            metrics.REGISTRY_UPDATES.labels(outcome="ignored").inc()
            continue
        record = records[key] if key in records else decode_record(entity_table.data.get(key))
        record, outcome = apply_update(record, update)  # type: ignore[arg-type]  # JSON of an Update
        metrics.REGISTRY_UPDATES.labels(outcome=outcome.value).inc()
        records[key] = record
        if outcome.changed:
            dirty[key] = event.message.partition
    encoded = {k: encode_record(r) for k in dirty if (r := records[k]) is not None}
    metrics.observe_stage("registry_merge", perf_counter() - start, max(len(events), 1))

    async def write_records() -> list[Awaitable[object]]:
        return [await p.writer.write(entity_table, dirty[k], k, v) for k, v in encoded.items()]

    await until_acknowledged(write_records, "entity records")


def _decode_index(data: bytes | None) -> StoryIndex | None:
    if not data:
        return None
    value: StoryIndex = orjson.loads(data)
    return value


async def _batches(stream: faust.StreamT, handle: Callable[[RegistryParts, Sequence[EventT]], Awaitable[None]]) -> None:
    """Both agents' loop (:func:`streams.agent_support.at_least_once`) around ``handle``."""
    p = parts()
    metrics.init_registry_series()
    await at_least_once(
        app, stream, settings.batch_size * 4, settings.batch_timeout_s, partial(handle, p), broker_committed(settings)
    )


@app.agent(enriched_topic, concurrency=1)
async def route_entities(stream: faust.StreamT) -> None:
    """Entity registry, step 1: re-key each enriched story's entities by entity uri (adds, and retractions of
    what a new version or a withdrawal dropped)."""
    await _batches(stream, route_batch)


@app.agent(updates_topic, concurrency=1)
async def update_entities(stream: faust.StreamT) -> None:
    """Entity registry, step 2: merge each story's contribution into the entity's record, idempotently by story id
    and version; the records are the compacted topic wire.entities."""
    await _batches(stream, update_batch)


@app.timer(interval=1.0)
async def export_table_recovery() -> None:
    """Export Faust's table recovery progress as metrics, once a second."""
    parts().recovery.poll(app)
