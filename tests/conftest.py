"""Shared fixtures. Integration tests get a real Kafka broker of their own; unit tests never start one.

The session broker listens on 127.0.0.1:19092 (controller 19093; override with WIRESTREAM_TEST_KAFKA_PORT), keeps its
state in ``<repo>/.wirestream/kafka-test`` and reuses the jar cache of the default home (``WIRESTREAM_HOME``), so
Maven runs once per machine. It is stopped at the end of the session if this session started it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.config import Settings

REPO = Path(__file__).resolve().parent.parent
TEST_HOME = REPO / ".wirestream" / "kafka-test"
BROKER_FIXTURE = "kafka_settings"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a test that would start the broker without the ``integration`` marker."""
    for item in items:
        if BROKER_FIXTURE in getattr(item, "fixturenames", ()) and item.get_closest_marker("integration") is None:
            raise pytest.UsageError(f"{item.nodeid} uses the Kafka broker but is not marked @pytest.mark.integration")


def _test_broker_settings() -> tuple[Settings, Path]:
    """Settings of the session broker, and the home whose jar cache it reuses."""
    base = Settings()
    port = int(os.environ.get("WIRESTREAM_TEST_KAFKA_PORT", "19092"))
    settings = base.model_copy(
        update={
            "home": TEST_HOME,
            "kafka_port": port,
            "kafka_controller_port": port + 1,
            "kafka_bootstrap": f"127.0.0.1:{port}",
            "kafka_security_protocol": "PLAINTEXT",
            "kafka_sasl_mechanism": None,
            "partitions": 2,
        }
    )
    return settings, base.home


@pytest.fixture(scope="session")
def kafka_jars_home() -> Path:
    """The home whose ``kafka-<version>/libs`` jar cache test brokers share (the default ``WIRESTREAM_HOME``)."""
    return _test_broker_settings()[1]


@pytest.fixture(scope="session")
def kafka_settings(kafka_jars_home: Path) -> Iterator[Settings]:
    """Settings pointing at a real broker for this test session (started here unless one is already running)."""
    from streams import kafka_local

    settings, _ = _test_broker_settings()
    if not kafka_local.status(settings).running:
        # A broker this session starts begins empty: no topics left over from earlier sessions.
        shutil.rmtree(kafka_local.BrokerPaths.of(settings).data, ignore_errors=True)
    info = kafka_local.up(settings, wait_s=180, iptc_slugs=(), jars_home=kafka_jars_home)
    try:
        yield settings
    finally:
        if info.started:
            kafka_local.down(settings)


def _iptc_slugs() -> list[str]:
    from streams.enrich.iptc import TOP_LEVEL

    return [topic.slug for topic in TOP_LEVEL]


@pytest.fixture
def unique_settings(kafka_settings: Settings) -> Iterator[Settings]:
    """Settings with this test's own app id (= consumer group) and topics, created on the session broker.

    Topics: ``wire.raw.<id>``, ``wire.enriched.<id>``, ``wire.deadletter.<id>`` and ``wire.topic.<id>.<slug>`` for
    the 17 top-level IPTC slugs. They are deleted after the test.
    """
    from streams.kafka_admin import delete_topics, ensure_topics

    suffix = uuid.uuid4().hex[:10]
    settings = kafka_settings.model_copy(
        update={
            "app_id": f"wirestream-test-{suffix}",
            "topic_raw": f"wire.raw.{suffix}",
            "topic_enriched": f"wire.enriched.{suffix}",
            "topic_deadletter": f"wire.deadletter.{suffix}",
            "topic_by_iptc_prefix": f"wire.topic.{suffix}.",
        }
    )
    names = ensure_topics(settings, _iptc_slugs())
    try:
        yield settings
    finally:
        delete_topics(settings, names)
