"""The Prometheus fixture itself: the real binary starts, loads alerts.yml, scrapes an exporter, answers, stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_fixture import PROMETHEUS, PromQueryError, free_port, run_prometheus, values

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (`make prometheus`)"),
]


@pytest.fixture
def exporter() -> Iterator[tuple[str, Counter]]:
    """A prometheus_client endpoint with one counter (not a wirestream worker: this only tests the fixture)."""
    registry = CollectorRegistry()
    ticks = Counter("fixture_ticks", "Ticks of the fixture self-test.", registry=registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"127.0.0.1:{port}", ticks
    server.shutdown()
    thread.join(timeout=5)


def test_prometheus_scrapes_answers_and_stops(tmp_path: Path, exporter: tuple[str, Counter]) -> None:
    target, ticks = exporter
    with run_prometheus(tmp_path, [target]) as prom:
        prom.wait_for('up{job="wirestream"} == 1', timeout=30)
        ticks.inc(7)
        seen = prom.wait_for("fixture_ticks_total", lambda r: values(r) == [7.0], timeout=30)
        assert seen[0]["metric"]["instance"] == target

        groups = prom.api("rules", type="alert")["groups"]
        rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
        assert set(rules) == {
            "WirestreamWorkerDown", "WirestreamNoWorkers", "WirestreamLagGrowing", "WirestreamFreshnessP99High",
            "WirestreamDeadLetterRateHigh", "WirestreamConsumerStalled",
        }
        assert all(rule["health"] != "err" for rule in rules.values()), rules

        with pytest.raises(PromQueryError):
            prom.query("sum(rate(fixture_ticks_total[1m])")  # unbalanced parenthesis
        process = prom.process
    assert process.poll() is not None, "prometheus still running after the context closed"
