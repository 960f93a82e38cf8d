"""The wirestream agent: raw wire stories in, enriched events and dead letters out.

Importing this module declares the agent and its topic on the app and nothing else; what the agent works with
(:class:`WorkerParts`: the processor, its enrichment runner, the publisher and the lag monitor) is built when the
worker starts, or installed by a test with :func:`install`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import faust
from faust.types import EventT

from streams import metrics
from streams.agent_support import FaustPublisher, Parts, retry_until_done
from streams.agent_support import raw_topic as topic_of_bytes
from streams.app import app, settings
from streams.config import Settings
from streams.kafka.lag import LagMonitor
from streams.output import SourceRef
from streams.processing import BatchProcessor, BatchResult, Publisher, RawRecord
from streams.runner import EnrichRunner

log = logging.getLogger(__name__)

raw_topic = topic_of_bytes(app, settings.topic_raw)


@dataclass
class WorkerParts:
    """What the agent works with; one set per worker process."""

    runner: EnrichRunner
    processor: BatchProcessor
    publisher: Publisher
    lag_monitor: LagMonitor | None

    @classmethod
    def build(cls, faust_app: faust.App, config: Settings) -> WorkerParts:
        runner = EnrichRunner(config)
        return cls(runner, BatchProcessor(config, runner), FaustPublisher(faust_app), LagMonitor(config))


_parts: Parts[WorkerParts] = Parts(lambda: WorkerParts.build(app, settings))
parts = _parts.get
install = _parts.install


def _headers(raw: object) -> tuple[tuple[str, bytes], ...]:
    """A message's headers as (name, bytes) pairs, whatever shape the consumer gave them (list of pairs or dict)."""
    pairs = raw.items() if isinstance(raw, dict) else (raw or ())
    return tuple((str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in pairs)  # type: ignore[attr-defined]


def _record(event: EventT) -> RawRecord:
    msg = event.message
    return RawRecord(
        key=msg.key,
        value=msg.value,
        source=SourceRef(msg.topic, msg.partition, msg.offset),
        timestamp=msg.timestamp,
        headers=_headers(msg.headers),
    )


async def _process(p: WorkerParts, records: Sequence[RawRecord]) -> BatchResult:
    try:
        return await p.processor.process(records)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must dead-letter the batch, not lose it
        log.exception("batch processing failed")
        return p.processor.fail_batch(records, exc)


@app.agent(raw_topic, concurrency=1)
async def enrich_stories(stream: faust.StreamT) -> None:
    """Validate, enrich and publish wire stories; anything that fails goes to the dead-letter topic."""
    p = parts()
    metrics.set_model_info(await p.runner.start())
    # take_events exists on faust.Stream but is missing from the StreamT protocol
    async for events in stream.take_events(settings.batch_size, within=settings.batch_timeout_s):  # type: ignore[attr-defined]
        # take_events acks every event when the loop body ends, even if it is cancelled;
        # one extra reference per message keeps the offset uncommitted until our outputs are acknowledged.
        for event in events:
            event.message.incref()
        metrics.IN_FLIGHT.inc(len(events))
        try:
            records = [_record(e) for e in events]
            result = await _process(p, records)
            await retry_until_done(partial(p.processor.publish, result, p.publisher), "a batch")
            for event in events:
                event.message.decref()
            if p.lag_monitor is not None:
                for rec in records:
                    p.lag_monitor.note_done(rec.source.partition, rec.timestamp)
        finally:
            metrics.IN_FLIGHT.dec(len(events))
