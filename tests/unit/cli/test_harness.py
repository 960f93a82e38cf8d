"""The worker harness without a broker: the /metrics parser, readiness, and process handling with stand-in programs."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from streams.cli import harness
from streams.cli.harness import (
    Metrics,
    Sample,
    WorkerNotReady,
    free_port,
    is_ready,
    launch,
    parse_samples,
    start_worker,
)
from streams.config import Settings

PAGE = r"""# HELP wirestream_stories_enriched_total Stories enriched and published.
# TYPE wirestream_stories_enriched_total counter
wirestream_stories_enriched_total 12.0
wirestream_stories_enriched_created 1.7e+09
wirestream_dead_letters_total{reason="parse_error",stage="parse"} 2.0
wirestream_dead_letters_total{reason="enrich_failed",stage="enrich.topics"} 3.0
wirestream_stage_duration_seconds_sum{stage="parse"} 0.25
wirestream_stage_duration_seconds_sum{stage="enrich"} 4.5
wirestream_stage_duration_seconds_bucket{le="0.1",stage="parse"} 9.0
wirestream_stage_duration_seconds_bucket{le="+Inf",stage="parse"} 10.0
wirestream_stage_duration_seconds_bucket{le="0.1",stage="enrich"} 1.0
wirestream_stage_duration_seconds_bucket{le="+Inf",stage="enrich"} 10.0
wirestream_model_info{stage="topics",model="odd \"name\", with\\slash",version="v1\n2"} 1.0
wirestream_consumer_lag_messages{topic="wire.raw",partition="0"} 0.0 1700000000000
odd_gauge NaN
"""


def test_parse_samples_reads_names_labels_values_and_escapes() -> None:
    samples = parse_samples(PAGE)
    assert samples[0] == Sample("wirestream_stories_enriched_total", {}, 12.0)
    assert samples[1].value == 1.7e9
    info = next(s for s in samples if s.name == "wirestream_model_info")
    assert info.labels == {"stage": "topics", "model": 'odd "name", with\\slash', "version": "v1\n2"}
    lag = next(s for s in samples if s.name == "wirestream_consumer_lag_messages")
    assert lag.labels == {"topic": "wire.raw", "partition": "0"} and lag.value == 0.0  # timestamp dropped
    assert math.isnan(samples[-1].value)
    assert len(samples) == 13


def test_samples_print_back_in_the_exposition_format() -> None:
    for line in PAGE.splitlines():
        if line.startswith("wirestream_") and not line.endswith("1700000000000") and "_created" not in line:
            assert str(parse_samples(line)[0]) == line
    assert str(Sample("x", {}, math.inf)) == "x +Inf"


def test_parses_and_prints_back_what_prometheus_client_serves() -> None:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

    registry = CollectorRegistry()
    Counter("t_letters", "x", ["reason", "stage"], registry=registry).labels("parse_error", 'odd "stage"\\\n').inc(3)
    Gauge("t_lag", "x", ["topic", "partition"], registry=registry).labels("wire.raw", "0").set(12_345_678)
    Histogram("t_fresh_seconds", "x", registry=registry).observe(0.3)
    Counter("t_enriched", "x", registry=registry).inc(1e7)
    text = generate_latest(registry).decode()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert [str(s) for s in parse_samples(text)] == lines
    m = Metrics.parse(text)
    assert m.total("t_letters_total", stage='odd "stage"\\\n') == 3.0 and m.total("t_enriched_total") == 1e7
    assert m.buckets("t_fresh_seconds")[0.5] == 1.0


@pytest.mark.parametrize("line", ["not a metric line at all", 'm{le="0.1" 1', "m{le=0.1} 1", "m 1 2 3", "m one"])
def test_a_bad_line_is_an_error(line: str) -> None:
    with pytest.raises(ValueError):
        parse_samples(line)


def test_metrics_helpers() -> None:
    m = Metrics.parse(PAGE)
    assert m.total("wirestream_stories_enriched_total") == 12.0
    assert m.total("wirestream_dead_letters_total") == 5.0
    assert m.total("wirestream_dead_letters_total", stage="parse") == 2.0
    assert m.total("wirestream_absent_total") == 0.0 and not m.has("wirestream_absent_total")
    assert m.by_label("wirestream_stage_duration_seconds_sum", "stage") == {"parse": 0.25, "enrich": 4.5}
    assert m.by_label("wirestream_dead_letters_total", "reason") == {"parse_error": 2.0, "enrich_failed": 3.0}
    assert m.buckets("wirestream_stage_duration_seconds") == {0.1: 10.0, math.inf: 20.0}
    assert m.buckets("wirestream_stage_duration_seconds", stage="enrich") == {0.1: 1.0, math.inf: 10.0}
    names = [s.name for s in m.select(["wirestream_consumer_lag_messages", "wirestream_stories_enriched_total"])]
    assert names == ["wirestream_stories_enriched_total", "wirestream_consumer_lag_messages"]
    assert not Metrics() and list(Metrics()) == []


def test_ready_once_the_models_are_listed() -> None:
    assert is_ready(Metrics.parse(PAGE))
    assert not is_ready(None)
    assert not is_ready(Metrics.parse("# HELP wirestream_model_info x\nwirestream_build_info{version=\"1\"} 1.0\n"))


@pytest.fixture
def metrics_server() -> Iterator[tuple[Settings, list[str]]]:
    """A stand-in /metrics endpoint serving the last page of the returned list."""
    pages = [""]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = pages[-1].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Settings(metrics_host="127.0.0.1", metrics_port=server.server_address[1]), pages
    finally:
        server.shutdown()
        server.server_close()


def stand_in(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Run ``python -c code`` instead of the worker."""
    monkeypatch.setattr(harness, "WORKER_ARGS", ("-c", code))


def test_launch_passes_settings_as_env_from_the_repo_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in(monkeypatch, "import os; print(os.environ['WIRESTREAM_APP_ID'], os.environ['EXTRA'], os.getcwd())")
    worker = launch(Settings(app_id="wirestream-unit"), tmp_path / "logs" / "w.log", extra_env={"EXTRA": "yes"})
    assert worker.proc.wait(30) == 0 and not worker.alive
    assert worker.crashed  # exited without being stopped
    assert worker.log_tail().split() == ["wirestream-unit", "yes", str(harness.REPO_ROOT)]
    assert worker.rss() == 0


def test_start_worker_reports_an_early_exit_with_the_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in(monkeypatch, "import sys; print('models missing'); sys.exit(3)")
    settings = Settings(metrics_host="127.0.0.1", metrics_port=free_port())
    with pytest.raises(WorkerNotReady, match=r"(?s)exited with code 3.*models missing"):
        start_worker(settings, tmp_path / "w.log", ready_timeout_s=30)


def test_wait_ready_times_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in(monkeypatch, "import time; time.sleep(60)")
    settings = Settings(metrics_host="127.0.0.1", metrics_port=free_port())
    with pytest.raises(WorkerNotReady, match="not ready after"):
        start_worker(settings, tmp_path / "w.log", ready_timeout_s=0.5)


def test_ready_worker_is_scraped_and_stopped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, metrics_server: tuple[Settings, list[str]]
) -> None:
    settings, pages = metrics_server
    pages.append(PAGE)
    # a stand-in that ignores SIGTERM until told: terminate() must fall back to SIGKILL
    stand_in(monkeypatch, "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)")
    worker = start_worker(settings, tmp_path / "w.log", ready_timeout_s=30)
    assert worker.alive and not worker.crashed and worker.rss() > 0
    assert worker.metrics().total("wirestream_stories_enriched_total") == 12.0
    assert worker.metrics_url == f"http://127.0.0.1:{settings.metrics_port}/metrics"
    deadline = time.monotonic() + 30
    while "up" not in worker.log_tail() and time.monotonic() < deadline:  # SIGTERM is ignored from here on
        time.sleep(0.05)
    assert worker.terminate(timeout_s=0.5) == -9
    assert not worker.alive and not worker.crashed


def test_terminate_is_graceful_and_kill9_kills(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stand_in(monkeypatch, "import time; time.sleep(60)")
    first = launch(Settings(), tmp_path / "a.log")
    assert first.terminate(timeout_s=30) == -15
    second = launch(Settings(), tmp_path / "b.log")
    second.kill9()
    assert second.proc.returncode == -9 and not second.crashed
    assert first.log_tail() == "" and first.log_path.exists()
