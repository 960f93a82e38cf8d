"""The worker's log: harmless Faust start-up errors demoted, rebalances summarised, port clashes explained (issue 17, 3, 7, 8)."""

from __future__ import annotations

import logging
import socket
from collections import namedtuple

import pytest

from streams.worker import DemoteHarmless, WorkerStartError, _serve_metrics, assigned_summary

TP = namedtuple("TP", "topic partition")


def _record(level: int, msg: str) -> logging.LogRecord:
    return logging.LogRecord("faust.transport.drivers.aiokafka", level, __file__, 1, msg, None, None)


def test_no_fetch_since_start_is_a_warning_not_an_error() -> None:
    record = _record(logging.ERROR, "[^---AIOKafkaConsumerThread]: Aiokafka has not sent fetch request for %r since start (started %s)")
    assert DemoteHarmless().filter(record) and record.levelno == logging.WARNING and record.levelname == "WARNING"
    other = _record(logging.ERROR, "Aiokafka has not sent fetch request for %r in the last 60 s")
    assert DemoteHarmless().filter(other) and other.levelno == logging.ERROR  # a stall after start stays an error


def test_assigned_partitions_summary_leaves_out_faust_internals() -> None:
    assigned = {TP("wire.raw", 2), TP("wire.raw", 0), TP("wirestream-__assignor-__leader", 0)}
    assert assigned_summary(assigned) == "wire.raw[0,2]"
    assert assigned_summary(set()) == "none"


def test_metrics_port_in_use_is_one_line_naming_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(WorkerStartError) as err:
            _serve_metrics("127.0.0.1", port)
    assert str(err.value).startswith(f"port {port} in use") and "WIRESTREAM_METRICS_PORT" in str(err.value)
    assert "\n" not in str(err.value)
