"""The local Kafka 4.x broker with both Python clients wirestream uses: kafka-python (CLI, admin) and aiokafka (Faust)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError

from streams.config import Settings
from streams.kafka import local as kafka_local
from streams.kafka.admin import committed_offsets, end_offsets, ensure_topics, wait_for_broker
from streams.topics import Topics

pytestmark = pytest.mark.integration

N = 20


def _kafka_python_consume(settings: Settings, topic: str, count: int, timeout_s: float = 30) -> list[tuple]:
    consumer = KafkaConsumer(
        topic,
        **settings.kafka_client_config(),
        group_id=settings.app_id,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    got: list[tuple] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(got) < count and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500)
            for records in batch.values():
                got += [(r.key, r.value, r.partition, list(r.headers)) for r in records]
        consumer.commit()
    finally:
        consumer.close()
    return got


async def _aiokafka_consume(settings: Settings, topic: str, count: int, timeout_s: float = 30) -> list[tuple]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.app_id,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    got: list[tuple] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(got) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                got += [(r.key, r.value, r.partition, list(r.headers)) for r in records]
        await consumer.commit()
    finally:
        await consumer.stop()
    return got


def test_status_reports_the_running_session_broker(kafka_settings: Settings) -> None:
    state = kafka_local.status(kafka_settings)
    assert state.running, state.detail
    assert state.version == kafka_settings.kafka_version
    assert state.port == kafka_settings.kafka_port
    cluster = wait_for_broker(kafka_settings, timeout=10)
    assert [b["port"] for b in cluster["brokers"]] == [kafka_settings.kafka_port]


def test_ensure_topics_creates_every_topic_idempotently(unique_settings: Settings) -> None:
    topics = Topics.of(unique_settings)
    expected = topics.all()
    again = ensure_topics(unique_settings)  # already there (fixture): no error, nothing created
    assert (again.names, again.created) == (expected, [])
    extra = topics.iptc(f"extra-{uuid.uuid4().hex[:6]}")
    grown = ensure_topics(unique_settings, [*expected, extra])
    assert (grown.names[-1], grown.created) == (extra, [extra])
    admin = KafkaAdminClient(**unique_settings.kafka_client_config())
    try:
        described = {t["name"]: t for t in admin.describe_topics([*expected, extra])}
    finally:
        admin.close()
    for name in [*expected, extra]:
        assert described[name]["error_code"] == 0
        assert len(described[name]["partitions"]) == unique_settings.partitions
        assert all(len(p["replica_nodes"]) == unique_settings.replication_factor for p in described[name]["partitions"])


def test_kafka_python_producer_to_aiokafka_consumer(unique_settings: Settings) -> None:
    """The CLI's push path: kafka-python produces, the Faust worker's client (aiokafka) consumes and commits."""
    topic = unique_settings.topic_raw
    producer = KafkaProducer(**unique_settings.kafka_client_config(), acks="all")
    for i in range(N):
        producer.send(topic, key=f"k{i}".encode(), value=f"story {i}".encode(), headers=[("fmt", b"plaintext")])
    producer.flush(timeout=30)
    producer.close()

    got = asyncio.run(_aiokafka_consume(unique_settings, topic, N))

    assert sorted(value for _, value, _, _ in got) == sorted(f"story {i}".encode() for i in range(N))
    assert all(headers == [("fmt", b"plaintext")] for *_, headers in got)
    ends = end_offsets(unique_settings, topic)
    assert sum(ends.values()) == N
    assert committed_offsets(unique_settings, unique_settings.app_id, topic) == {p: e for p, e in ends.items() if e}


def test_aiokafka_producer_to_kafka_python_consumer(unique_settings: Settings) -> None:
    """The worker's output path: aiokafka produces, the CLI's tail (kafka-python) consumes and commits."""
    topic = unique_settings.topic_enriched

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=unique_settings.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            for i in range(N):
                await producer.send(topic, key=f"k{i}".encode(), value=f"event {i}".encode())
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(produce())
    got = _kafka_python_consume(unique_settings, topic, N)

    assert sorted(value for _, value, _, _ in got) == sorted(f"event {i}".encode() for i in range(N))
    keys_by_partition: dict[bytes, set[int]] = {}
    for key, _, partition, _ in got:
        keys_by_partition.setdefault(key, set()).add(partition)
    assert all(len(parts) == 1 for parts in keys_by_partition.values())
    ends = end_offsets(unique_settings, topic)
    assert committed_offsets(unique_settings, unique_settings.app_id, topic) == {p: e for p, e in ends.items() if e}


def test_oversize_message_reaches_the_consumer(unique_settings: Settings) -> None:
    """Inputs above the worker's limit must reach it (to be dead-lettered), so the broker accepts them."""
    big = b"x" * (3 * unique_settings.max_message_bytes)
    producer = KafkaProducer(**unique_settings.kafka_client_config(), max_request_size=len(big) + 10_000)
    producer.send(unique_settings.topic_raw, value=big).get(timeout=30)
    producer.close()

    got = asyncio.run(_aiokafka_consume(unique_settings, unique_settings.topic_raw, 1))

    assert [value for _, value, _, _ in got] == [big]


def test_topics_are_never_auto_created(unique_settings: Settings) -> None:
    missing = f"{unique_settings.topic_raw}.typo"
    producer = KafkaProducer(**unique_settings.kafka_client_config(), max_block_ms=3000)
    try:
        with pytest.raises(KafkaTimeoutError):
            producer.send(missing, value=b"lost").get(timeout=5)
    finally:
        producer.close(timeout=5)
    admin = KafkaAdminClient(**unique_settings.kafka_client_config())
    try:
        assert missing not in admin.list_topics()
    finally:
        admin.close()


@pytest.mark.slow
def test_second_broker_restarts_after_a_crash(kafka_settings: Settings, kafka_jars_home: Path, tmp_path: Path) -> None:
    """A broker beside the session one: up is idempotent, recovers from a crash (stale pid), down stops only it."""
    port = kafka_settings.kafka_port + 10
    other = kafka_settings.model_copy(
        update={
            "home": tmp_path / "home",
            "kafka_port": port,
            "kafka_controller_port": port + 1,
            "kafka_bootstrap": f"127.0.0.1:{port}",
        }
    )
    try:
        first = kafka_local.up(other, topics=[Topics.of(other).iptc("sport")], jars_home=kafka_jars_home, wait_s=180)
        assert first.started
        again = kafka_local.up(other, topics=(), jars_home=kafka_jars_home)
        assert (again.started, again.pid) == (False, first.pid)

        os.killpg(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while kafka_local.status(other).pid is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        crashed = kafka_local.status(other)
        assert not crashed.running
        assert "stale pid" in crashed.detail

        restarted = kafka_local.up(other, topics=(), jars_home=kafka_jars_home, wait_s=180)
        assert restarted.started
        assert restarted.pid != first.pid
        admin = KafkaAdminClient(**other.kafka_client_config())
        try:
            assert Topics.of(other).iptc("sport") in admin.list_topics()  # data survived the crash
        finally:
            admin.close()
    finally:
        kafka_local.down(other)
    assert not kafka_local.status(other).running
    assert kafka_local.status(kafka_settings).running
