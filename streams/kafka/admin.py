"""Kafka administration for wirestream: topic creation, offsets and broker readiness (kafka-python admin client).

Every call honours the connection and security settings of :meth:`Settings.kafka_client_config`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import KafkaError, for_code

from streams.config import Settings
from streams.topics import Topics

#: CreateTopics error code of an existing topic: creation is idempotent.
_TOPIC_ALREADY_EXISTS = 36
#: Configuration of a compacted topic (the latest value per key is kept: registries, table changelogs).
COMPACTED_CONFIG = {"cleanup.policy": "compact"}


class BrokerUnreachable(ConnectionError):
    """No broker of ``bootstrap`` answered within ``waited_s`` seconds."""

    def __init__(self, bootstrap: str, waited_s: float, cause: object = None) -> None:
        self.bootstrap, self.waited_s, self.cause = bootstrap, waited_s, cause
        super().__init__(f"cannot reach the Kafka broker at {bootstrap} after {waited_s:.0f} s")


@contextmanager
def quiet_kafka_logs(level: int = logging.CRITICAL) -> Iterator[None]:
    """Silence kafka-python's per-attempt connection errors meanwhile (the caller reports the outcome once)."""
    logger = logging.getLogger("kafka")
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


def check_broker(settings: Settings, timeout_s: float | None = None) -> None:
    """Raise :class:`BrokerUnreachable` unless the cluster answers within ``timeout_s`` (``WIRESTREAM_KAFKA_TIMEOUT_S``)."""
    timeout_s = settings.kafka_timeout_s if timeout_s is None else timeout_s
    with quiet_kafka_logs():
        try:
            wait_for_broker(settings, timeout=timeout_s, poll_s=0.25)
        except TimeoutError as exc:
            raise BrokerUnreachable(settings.kafka_bootstrap, timeout_s, exc.__cause__ or exc) from None


def faust_internal_topics(settings: Settings) -> dict[str, int]:
    """Topics Faust itself subscribes to, with their partition counts (the assignor's leader topic, 1 partition).

    The app runs with ``topic_allow_declare=False``, so Faust would not create them and logs an ERROR at every start.
    """
    return {f"{settings.app_id}-__assignor-__leader": 1}


@contextmanager
def admin_client(settings: Settings, *, timeout_s: float = 30.0) -> Iterator[KafkaAdminClient]:
    """A connected admin client, closed on exit; raises ``KafkaTimeoutError``/``NoBrokersAvailable`` after ``timeout_s``."""
    timeout_ms = max(1000, int(timeout_s * 1000))
    client = KafkaAdminClient(
        **settings.kafka_client_config(),
        client_id=f"{settings.app_id}-admin",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )
    try:
        yield client
    finally:
        client.close()


@dataclass(frozen=True, slots=True)
class EnsuredTopics:
    """What :func:`ensure_topics` found: every name asked for, those it had to create, and Faust's internal ones."""

    names: list[str]
    created: list[str]
    internal: list[str] = field(default_factory=list)  # Faust's own topics ensured alongside (default names only)


def ensure_topics(
    settings: Settings, names: Sequence[str] | None = None, *, timeout_s: float = 30.0, compacted: Sequence[str] | None = None
) -> EnsuredTopics:
    """Create the topics among ``names`` (default: :meth:`Topics.all`) that are missing.

    New topics get ``Settings.partitions`` and ``Settings.replication_factor``; existing ones are kept as they are.
    Those among ``compacted`` (default: :meth:`Topics.compacted`) are created with ``cleanup.policy=compact``.
    With the default names, :func:`faust_internal_topics` are ensured too (reported in ``internal``, not ``names``).
    Returns once every one of them has a leader for each partition.
    """
    internal = faust_internal_topics(settings) if names is None else {}
    names = list(dict.fromkeys(names if names is not None else Topics.of(settings).all()))
    wanted = [*names, *(name for name in internal if name not in names)]
    with admin_client(settings, timeout_s=timeout_s) as admin:
        existing = set(admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            compact = set(Topics.of(settings).compacted() if compacted is None else compacted)
            specs: dict[str, dict[str, Any]] = {
                name: {"num_partitions": internal.get(name, settings.partitions), "replication_factor": settings.replication_factor}
                for name in missing
            }
            for name in compact.intersection(missing):
                specs[name]["configs"] = COMPACTED_CONFIG
            result = admin.create_topics(specs, timeout_ms=int(timeout_s * 1000), raise_errors=False)
            for topic in result["topics"]:
                code = topic["error_code"]
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    error = for_code(code)
                    raise error(f"creating topic {topic['name']!r}: {topic.get('error_message') or error.__name__}")
        admin.wait_for_topics(wanted, timeout_ms=int(timeout_s * 1000))
    return EnsuredTopics(names, [name for name in missing if name in names], list(internal))


def partitions_of(admin: KafkaAdminClient, topic: str) -> list[int]:
    """Partition ids of ``topic``; raises the broker's error (e.g. ``UnknownTopicOrPartitionError``) if it has none."""
    (described,) = admin.describe_topics([topic])
    if described["error_code"]:
        raise for_code(described["error_code"])(f"describing topic {topic!r}")
    return sorted(p["partition_index"] for p in described["partitions"])


def end_offsets(settings: Settings, topic: str, *, timeout_s: float = 30.0) -> dict[int, int]:
    """Latest offset (offset of the next message) of each partition of ``topic``."""
    with admin_client(settings, timeout_s=timeout_s) as admin:
        specs = {TopicPartition(topic, p): OffsetSpec.LATEST for p in partitions_of(admin, topic)}
        found = admin.list_partition_offsets(specs)
    return {tp.partition: int(offsets.offset) for tp, offsets in found.items()}


def committed_offsets(settings: Settings, group: str, topic: str, *, timeout_s: float = 30.0) -> dict[int, int]:
    """Offsets ``group`` has committed on ``topic``, by partition; partitions without a commit are left out.

    Retriable errors (e.g. the offsets topic still being created on a fresh broker) are retried until ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    with admin_client(settings, timeout_s=timeout_s) as admin:
        while True:
            try:
                by_group: dict[str, dict[TopicPartition, Any]] = admin.list_group_offsets({group: None})
                break
            except KafkaError as exc:
                if not exc.retriable or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    return {
        tp.partition: int(meta.offset)
        for tp, meta in by_group.get(group, {}).items()
        if tp.topic == topic and meta.offset >= 0
    }


def wait_for_broker(settings: Settings, timeout: float = 60.0, *, poll_s: float = 0.5) -> dict[str, Any]:
    """Block until the cluster answers a metadata request with at least one unfenced broker; returns the description.

    Raises ``TimeoutError`` after ``timeout`` seconds with the last error seen.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"Kafka at {settings.kafka_bootstrap} not ready after {timeout:.0f}s: {last_error}")
        try:
            with admin_client(settings, timeout_s=min(remaining, 5.0)) as admin:
                cluster: dict[str, Any] = admin.describe_cluster()
            if any(not broker.get("is_fenced", False) for broker in cluster["brokers"]):
                return cluster
            last_error = RuntimeError("all brokers are fenced")
        except (KafkaError, OSError) as exc:
            last_error = exc
        time.sleep(min(poll_s, max(0.0, deadline - time.monotonic())))


def delete_topics(settings: Settings, names: Sequence[str], *, timeout_s: float = 30.0) -> None:
    """Delete ``names``; topics that do not exist are ignored."""
    if not names:
        return
    with admin_client(settings, timeout_s=timeout_s) as admin:
        existing = set(admin.list_topics())
        present = [name for name in names if name in existing]
        if present:
            admin.delete_topics(present, timeout_ms=int(timeout_s * 1000))
