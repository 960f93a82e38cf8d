"""Broker checks that fail fast and clearly, and what `kafka down` reports (issue 17, 3, 4, 8, 11). No broker needed."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from streams.config import Settings
from streams.kafka import local as kafka_local
from streams.kafka.admin import BrokerUnreachable, check_broker, faust_internal_topics, quiet_kafka_logs


def test_check_broker_on_a_closed_port_raises_one_clear_error_within_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(kafka_bootstrap="127.0.0.1:1", kafka_timeout_s=1.5)
    start = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(BrokerUnreachable) as err:
        check_broker(settings)
    assert time.monotonic() - start < 6
    assert str(err.value) == "cannot reach the Kafka broker at 127.0.0.1:1 after 2 s"
    assert not [r for r in caplog.records if r.name.startswith("kafka") and r.levelno >= logging.WARNING]


def test_quiet_kafka_logs_restores_the_level() -> None:
    logger = logging.getLogger("kafka")
    before = logger.level
    with quiet_kafka_logs():
        assert logger.level == logging.CRITICAL
    assert logger.level == before


def test_faust_leader_topic_is_created_with_the_other_topics() -> None:
    assert faust_internal_topics(Settings(app_id="wirestream")) == {"wirestream-__assignor-__leader": 1}


def test_down_of_a_broker_that_is_not_running_returns_none(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, kafka_port=1, kafka_controller_port=2)
    assert kafka_local.down(settings) is None
    state = kafka_local.status(settings)
    assert not state.running and state.log_file == tmp_path / "broker-1" / "logs" / "server.log"
