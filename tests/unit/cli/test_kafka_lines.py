"""What `kafka up` and `kafka status` print (issue 17, 11): human lines, created vs existing topics."""

from __future__ import annotations

from pathlib import Path

from streams.cli.commands import broker_status_line, broker_up_lines
from streams.kafka.local import BrokerInfo, BrokerStatus

LOG = Path("/home/u/.cache/wirestream/broker-9092/logs/server.log")


def test_first_up_names_where_and_the_topics_it_created() -> None:
    info = BrokerInfo(123, "127.0.0.1:9092", "4.1.1", Path("/h"), LOG, True, ["wire.raw", "wire.enriched"], ["wire.raw", "wire.enriched"])
    lines = broker_up_lines(info)
    assert lines[0] == "Kafka 4.1.1 broker started at 127.0.0.1:9092 (pid 123)"
    assert lines[1] == f"  log: {LOG}"
    assert lines[2] == "  topics created (2): wire.raw, wire.enriched"


def test_second_up_says_nothing_was_created() -> None:
    info = BrokerInfo(123, "127.0.0.1:9092", "4.1.1", Path("/h"), LOG, False, ["wire.raw", "wire.enriched"], [])
    lines = broker_up_lines(info)
    assert lines[0] == "Kafka 4.1.1 broker already running at 127.0.0.1:9092 (pid 123)"
    assert lines[-1] == "  no topic created: all 2 wirestream topics already exist"


def test_status_lines() -> None:
    running = BrokerStatus(True, 123, 9092, "4.1.1", Path("/h"), "running", LOG)
    assert broker_status_line(running) == f"running at 127.0.0.1:9092, pid 123, Kafka 4.1.1, log {LOG}"
    stale = BrokerStatus(False, None, 9092, "4.1.1", Path("/h"), "not running (stale pid 9)", LOG)
    assert broker_status_line(stale) == "not running on port 9092 (home /h): (stale pid 9)"
