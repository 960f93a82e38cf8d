"""The wirestream agent: raw wire stories in, enriched events and dead letters out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence

import faust
from faust.types import EventT

from streams import metrics
from streams.app import app, settings
from streams.kafka.lag import LagMonitor
from streams.output import SourceRef
from streams.processing import BatchProcessor, BatchResult, RawRecord
from streams.runner import EnrichRunner

log = logging.getLogger(__name__)

raw_topic = app.topic(settings.topic_raw, key_serializer="raw", value_serializer="raw")
runner = EnrichRunner(settings)
processor = BatchProcessor(settings, runner)
lag_monitor = LagMonitor(settings)


class FaustPublisher:
    """Publishes through the worker's Faust producer, bypassing attachments so we can await delivery."""

    def __init__(self, faust_app: faust.App) -> None:
        self.app = faust_app
        self._topics: dict[str, faust.TopicT] = {}

    async def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Awaitable[object]:
        if topic not in self._topics:
            self._topics[topic] = self.app.topic(topic, key_serializer="raw", value_serializer="raw")
        return await self._topics[topic].send(key=key, value=value, headers=headers, force=True)


publisher = FaustPublisher(app)


def _record(event: EventT) -> RawRecord:
    msg = event.message
    return RawRecord(key=msg.key, value=msg.value, source=SourceRef(msg.topic, msg.partition, msg.offset), timestamp=msg.timestamp)


async def _publish_until_acknowledged(result: BatchResult) -> None:
    """Publish a batch, retrying with backoff while the broker is unavailable (outputs are idempotent)."""
    delay = 0.5
    while True:
        try:
            await processor.publish(result, publisher)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any producer failure: retry, never drop
            metrics.PUBLISH_RETRIES.inc()
            log.warning("publishing failed (%r); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def _process(records: Sequence[RawRecord]) -> BatchResult:
    try:
        return await processor.process(records)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must dead-letter the batch, not lose it
        log.exception("batch processing failed")
        return processor.fail_batch(records, exc)


@app.agent(raw_topic, concurrency=1)
async def enrich_stories(stream: faust.StreamT) -> None:
    """Validate, enrich and publish wire stories; anything that fails goes to the dead-letter topic."""
    metrics.set_model_info(await runner.start())
    # take_events exists on faust.Stream but is missing from the StreamT protocol
    async for events in stream.take_events(settings.batch_size, within=settings.batch_timeout_s):  # type: ignore[attr-defined]
        # take_events acks every event when the loop body ends, even if it is cancelled;
        # one extra reference per message keeps the offset uncommitted until our outputs are acknowledged.
        for event in events:
            event.message.incref()
        metrics.IN_FLIGHT.inc(len(events))
        try:
            records = [_record(e) for e in events]
            result = await _process(records)
            await _publish_until_acknowledged(result)
            for event in events:
                event.message.decref()
            for rec in records:
                lag_monitor.note_done(rec.source.partition, rec.timestamp)
        finally:
            metrics.IN_FLIGHT.dec(len(events))
