"""Shared fixtures. Integration tests get a real Kafka broker of their own; unit tests never start one.

The session broker listens on 127.0.0.1:19092 (controller 19093; override with WIRESTREAM_TEST_KAFKA_PORT), keeps its
state in ``<repo>/.wirestream/kafka-test`` and reuses the jar cache of the default home (``WIRESTREAM_HOME``), so
Maven runs once per machine. Concurrent test sessions share it (lease files); the last one out stops it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _leases_locked(settings: Settings) -> Iterator[Path]:
    """The lease dir of the test broker, locked: test sessions running side by side share one broker."""
    leases = settings.home / "leases"
    leases.mkdir(parents=True, exist_ok=True)
    with (settings.home / ".leases.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield leases
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _live_leases(leases: Path) -> list[Path]:
    live = []
    for lease in leases.iterdir():
        try:
            os.kill(int(lease.name), 0)
            live.append(lease)
        except (ValueError, ProcessLookupError):
            lease.unlink(missing_ok=True)
        except PermissionError:
            live.append(lease)
    return live


@pytest.fixture(scope="session")
def kafka_settings(kafka_jars_home: Path) -> Iterator[Settings]:
    """Settings pointing at a real broker for this test session.

    The broker is started unless it is already running, and stopped when the last test session using it ends,
    if a test session started it (a broker someone started by hand is left alone).
    """
    from streams.kafka import local as kafka_local

    settings, _ = _test_broker_settings()
    owned = settings.home / "started-by-tests"
    with _leases_locked(settings) as leases:
        if not kafka_local.status(settings).running:
            # A broker a test session starts begins empty: no topics left over from earlier sessions.
            shutil.rmtree(kafka_local.BrokerPaths.of(settings).data, ignore_errors=True)
            owned.unlink(missing_ok=True)
        info = kafka_local.up(settings, wait_s=180, topics=(), jars_home=kafka_jars_home)
        if info.started:
            owned.touch()
        (leases / str(os.getpid())).touch()
    try:
        yield settings
    finally:
        with _leases_locked(settings) as leases:
            (leases / str(os.getpid())).unlink(missing_ok=True)
            if not _live_leases(leases) and owned.exists():
                kafka_local.down(settings)
                owned.unlink(missing_ok=True)


@pytest.fixture
def unique_settings(kafka_settings: Settings) -> Iterator[Settings]:
    """Settings with this test's own app id (= consumer group) and topics, created on the session broker.

    Topics: ``wire.raw.<id>``, ``wire.enriched.<id>``, ``wire.deadletter.<id>`` and ``wire.topic.<id>.<slug>`` for
    the 17 top-level IPTC slugs. They are deleted after the test.
    """
    from streams.kafka.admin import delete_topics, ensure_topics
    from streams.topics import isolated

    settings = isolated(kafka_settings, "test")
    ensured = ensure_topics(settings)
    names = [*ensured.names, *ensured.internal]
    try:
        yield settings
    finally:
        delete_topics(settings, names)
