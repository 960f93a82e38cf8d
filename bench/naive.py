"""The naive peer: one process, a plain kafka-python loop of consume -> parse -> enrich -> produce -> commit.

Same library, same batch size and the same output messages as the worker, but no Faust, no pipelining and no
separate enrichment process: the baseline the worker has to beat.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from typing import Any

from streams.config import Settings


def naive_loop(settings_json: str, ready: Any, stop: Any) -> None:
    """Run the loop until ``stop`` is set (entry point of a spawned process)."""
    from kafka import KafkaConsumer, KafkaProducer

    from streams.enrich.document import Document
    from streams.enrich.pipeline import Enricher, EnrichStageError
    from streams.ingest import IngestError, IngestLimits, parse_message
    from streams.output import SourceRef, dead_letter, enriched_event, event_headers, to_bytes
    from streams.runner import WARMUP
    from streams.topics import Topics

    s = Settings.model_validate_json(settings_json)
    enricher = Enricher.load(s.enrich_config())
    enricher.enrich_batch([WARMUP])
    limits = IngestLimits.from_settings(s)
    consumer = KafkaConsumer(
        s.topic_raw, group_id=s.app_id, enable_auto_commit=False, auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 << 20, **s.kafka_client_config(),
    )  # fmt: skip
    producer = KafkaProducer(acks="all", linger_ms=5, max_request_size=8 << 20, **s.kafka_client_config())
    ready.set()
    while not stop.is_set():
        polled = consumer.poll(timeout_ms=200, max_records=s.batch_size)
        records = [r for rs in polled.values() for r in rs]
        if not records:
            continue
        parsed = []
        for r in records:
            src = SourceRef(r.topic, r.partition, r.offset)
            try:
                story = parse_message(
                    r.value, received_at=datetime.fromtimestamp(r.timestamp / 1000, UTC), limits=limits
                )
            except IngestError as err:
                letter = dead_letter(r.value, r.key, src, reason=err.reason, message=err.message, stage=err.stage)
                producer.send(s.topic_deadletter, key=r.key, value=to_bytes(letter))
                continue
            parsed.append((src, story))
        docs = [Document.of_story(st) for _, st in parsed]
        for (src, story), result in zip(parsed, enricher.enrich_batch(docs), strict=True):
            if isinstance(result, EnrichStageError):
                continue
            event = enriched_event(story, result, src)
            key, value, headers = story.id.encode(), to_bytes(event), event_headers(event)
            producer.send(s.topic_enriched, key=key, value=value, headers=headers)
            for slug in dict.fromkeys(t.slug for t in result.topics if t.level == 1):
                producer.send(Topics.of(s).iptc(slug), key=key, value=value, headers=headers)
        producer.flush()
        consumer.commit()
    consumer.close()
    producer.close()


class NaivePeer:
    """The naive loop in its own spawned process."""

    def __init__(self, settings: Settings) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._ready = ctx.Event()
        self._stop = ctx.Event()
        self.proc = ctx.Process(
            target=naive_loop, args=(settings.model_dump_json(), self._ready, self._stop), daemon=True
        )
        self.proc.start()

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.5):
            if not self.proc.is_alive():
                raise RuntimeError(f"naive peer exited with code {self.proc.exitcode}")
            if time.monotonic() > deadline:
                raise TimeoutError("naive peer did not load its models")

    def close(self) -> None:
        self._stop.set()
        self.proc.join(15)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
