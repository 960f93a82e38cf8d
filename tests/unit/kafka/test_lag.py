"""LagMonitor's arithmetic on fake clients: lag, offsets and the age of the oldest unprocessed message."""

from __future__ import annotations

from dataclasses import dataclass

from kafka import TopicPartition

from streams import metrics
from streams.config import Settings
from streams.kafka.lag import LagMonitor


@dataclass
class Offset:
    offset: int


class FakeConsumer:
    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1}

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: {0: 10, 1: 5}[tp.partition] for tp in tps}


class FakeAdmin:
    def __init__(self, group: str, topic: str) -> None:
        self.group, self.topic = group, topic

    def list_group_offsets(self, groups: dict[str, None]) -> dict[str, dict[TopicPartition, Offset]]:
        return {self.group: {TopicPartition(self.topic, 0): Offset(7), TopicPartition(self.topic, 1): Offset(5)}}


def _gauge(gauge: object, topic: str, partition: int) -> float:
    return gauge.labels(topic=topic, partition=str(partition))._value.get()  # type: ignore[attr-defined]


def test_lag_offsets_and_age_per_partition() -> None:
    settings = Settings(topic_raw="wire.raw.lagtest", app_id="lagtest")
    monitor = LagMonitor(settings)
    monitor._admin, monitor._consumer = FakeAdmin("lagtest", settings.topic_raw), FakeConsumer()  # type: ignore[assignment]
    monitor._started = 1_000.0
    monitor.note_done(0, None)  # no broker timestamp: ignored
    assert monitor.poll_once() == {0: 3, 1: 0}
    topic = settings.topic_raw
    assert _gauge(metrics.END_OFFSET, topic, 0) == 10 and _gauge(metrics.COMMITTED_OFFSET, topic, 0) == 7
    assert _gauge(metrics.LAG_MESSAGES, topic, 0) == 3 and _gauge(metrics.LAG_SECONDS, topic, 1) == 0.0
    import time

    now = time.time()
    monitor.note_done(0, now - 30)
    monitor.note_done(0, now - 60)  # older than what is already recorded: kept at the newest
    monitor.poll_once()
    assert 29 <= _gauge(metrics.LAG_SECONDS, topic, 0) < 40
