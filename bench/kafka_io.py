"""The benchmark's own Kafka clients: a feeder of raw stories and a collector of what comes out."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench.corpus import BenchStory
from streams.config import Settings


class Collector(threading.Thread):
    """Reads the enriched and dead-letter topics from the start; records when each story id first came out."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="bench-collector", daemon=True)
        self.settings = settings
        self.first_seen: dict[bytes, float] = {}
        self.dead_letters = 0
        self.duplicates = 0
        self.lock = threading.Lock()
        self._stop_event = threading.Event()
        self._ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        s = self.settings
        try:
            consumer = KafkaConsumer(
                enable_auto_commit=False, fetch_max_wait_ms=500, max_partition_fetch_bytes=8 << 20,
                **s.kafka_client_config(),
            )  # fmt: skip
            topics = [s.topic_enriched, s.topic_deadletter]
            tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            self._ready.set()
            while not self._stop_event.is_set():
                batches = consumer.poll(timeout_ms=500)  # returns as soon as records arrive
                now = time.time()
                with self.lock:
                    for tp, records in batches.items():
                        for rec in records:
                            if tp.topic == s.topic_deadletter:
                                self.dead_letters += 1
                            key = rec.key or b""
                            if key in self.first_seen:
                                self.duplicates += 1
                            else:
                                self.first_seen[key] = now
            consumer.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the orchestrator
            self.error = exc
            self._ready.set()

    def wait_ready(self, timeout: float = 30) -> None:
        if not self._ready.wait(timeout) or self.error is not None:
            raise RuntimeError(f"collector could not start: {self.error!r}")

    def stop(self) -> None:
        self._stop_event.set()

    def done(self) -> int:
        with self.lock:
            return len(self.first_seen)

    def arrivals(self) -> list[float]:
        with self.lock:
            return list(self.first_seen.values())

    def arrival_of(self, keys: Sequence[bytes]) -> dict[bytes, float]:
        with self.lock:
            return {k: self.first_seen[k] for k in keys if k in self.first_seen}


def make_producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(acks="all", linger_ms=2, max_request_size=8 << 20, **settings.kafka_client_config())


class Feeder:
    """Produces the corpus round and round to the raw topic, each message with a fresh story id."""

    def __init__(self, settings: Settings, corpus: Sequence[BenchStory], tag: str) -> None:
        self.settings = settings
        self.corpus = corpus
        self.tag = tag
        self.producer = make_producer(settings)
        self.sent_at: dict[bytes, float] = {}
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()

    def send_one(self) -> bytes:
        n = next(self._seq)
        story = self.corpus[n % len(self.corpus)]
        new_id = f"{story.id}:{self.tag}:{n}"
        value = story.value.replace(story.id.encode(), new_id.encode(), 1)
        key = new_id.encode()
        self.sent_at[key] = time.time()
        self.producer.send(self.settings.topic_raw, key=key, value=value)
        return key

    @property
    def sent(self) -> int:
        return len(self.sent_at)

    def keep_backlog(self, collector: Collector, backlog: int) -> None:
        """Start a thread that keeps about ``backlog`` stories produced but not yet output (closed loop)."""
        self.stop()
        self._stop_event.clear()
        self.backlog = backlog

        def loop() -> None:
            while not self._stop_event.is_set():
                missing = self.backlog - (self.sent - collector.done())
                for _ in range(max(missing, 0)):
                    self.send_one()
                if missing > 0:
                    self.producer.flush()
                self._stop_event.wait(0.2)

        self._thread = threading.Thread(target=loop, name="bench-feeder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop_event.set()
            self._thread.join(10)
            self._thread = None
        self.producer.flush()

    def open_loop(self, rate: float, seconds: float) -> list[bytes]:
        """Produce at a fixed ``rate`` for ``seconds`` regardless of how fast outputs come (returns the keys)."""
        self.stop()
        keys: list[bytes] = []
        start = time.monotonic()
        total = max(1, int(rate * seconds))
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            keys.append(self.send_one())
            self.producer.flush()  # each story leaves now: the latency is the pipeline's, not our linger
        return keys

    def close(self) -> None:
        self.stop()
        self.producer.close(timeout=10)
