"""`wirestream demo`: broker + worker + seeds, end to end, on this machine."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from streams.cli.harness import REPO_ROOT, Metrics, WorkerProcess, launch
from streams.cli.wire import format_event, input_files, iter_messages, make_consumer, push_files
from streams.config import Settings

SEEDS = REPO_ROOT / "seeds"
DEMO_METRICS = (
    "wirestream_stories_consumed_total",
    "wirestream_stories_enriched_total",
    "wirestream_stories_withdrawn_total",
    "wirestream_dead_letters_total",
    "wirestream_stories_published_total",
    "wirestream_consumer_lag_messages",
)


def settled_metrics(worker: WorkerProcess) -> Metrics:
    """The worker's metrics once the lag gauges (polled every ``lag_poll_interval_s``) have caught up with the commits."""
    deadline = time.monotonic() + 2 * worker.settings.lag_poll_interval_s + 2
    metrics = Metrics()
    while time.monotonic() < deadline:
        metrics = worker.metrics()
        lags = metrics.get("wirestream_consumer_lag_messages")
        if lags and all(s.value == 0 for s in lags):
            break
        time.sleep(1.0)
    return metrics


def metrics_summary(metrics: Metrics) -> list[str]:
    """The demo-relevant lines of a /metrics page."""
    return [str(s) for s in metrics.select(DEMO_METRICS)]


def _clusters_seen(settings: Settings, wait_s: float = 20.0) -> list[str]:
    """The largest event clusters once the state worker has clustered the seeds (``wirestream clusters``)."""
    from streams.cli.clusters import format_clusters, read_clusters

    deadline = time.monotonic() + wait_s
    found: dict = {}
    while time.monotonic() < deadline:
        found = read_clusters(settings)
        if sum(1 for c in found.values() if c.get("size", 0) >= 2) >= 2:
            break
        time.sleep(1.0)
    return ["Event clusters (`wirestream clusters`):", *format_clusters(found, 5)] if found else ["No event clusters yet."]


def run_demo(settings: Settings, *, once: bool, say: Callable[[str], None], seeds: Path = SEEDS, timeout: float = 300.0) -> int:
    """Run the demo; returns a process exit code."""
    from streams.kafka import local as kafka_local

    say(f"Starting the local Kafka broker ({settings.kafka_bootstrap}) ...")
    broker = kafka_local.up(settings)  # also creates the topics
    if not broker.started:
        say("A broker was already running there; reusing it (it stays up after the demo).")
    log_path = settings.home / "demo-worker.log"
    say(f"Starting a worker (log: {log_path}) and loading models, and a state worker (entity registry, clusters) ...")
    worker = launch(settings, log_path)
    state_port = settings.metrics_port + 1 if settings.metrics_port else 0
    state = launch(settings.model_copy(update={"role": "state", "metrics_port": state_port}), settings.home / "demo-state-worker.log")
    try:
        worker.wait_ready(timeout_s=180.0)
        state.wait_ready(timeout_s=120.0)
        outputs = [settings.topic_enriched, settings.topic_deadletter]
        consumer = make_consumer(settings, outputs, from_end=True)
        consumer.poll(timeout_ms=100)  # resolve the end positions before pushing
        files = input_files([seeds])
        summary = push_files(files, settings)
        say(f"Pushed {summary.sent} files from {seeds} to {settings.topic_raw}: {summary.by_format}")
        expected, seen = summary.sent, 0
        deadline = time.monotonic() + timeout

        def done() -> bool:
            return once and (seen >= expected or time.monotonic() > deadline)

        for topic, _key, value in iter_messages(consumer, stop=done):
            seen += 1
            say(format_event(topic, value))
            if seen == expected:
                say(f"All {expected} pushed files accounted for (enriched, withdrawn or dead-lettered).")
                metrics = settled_metrics(worker)
                say(f"Metrics: {worker.metrics_url}")
                for line in metrics_summary(metrics):
                    say("  " + line)
                for line in _clusters_seen(settings):
                    say(line)
                if not once:
                    say("Worker keeps running; push more with `wirestream push FILE...`. Ctrl-C stops the demo.")
        consumer.close()
        if once and seen < expected:
            say(f"Only {seen} of {expected} results arrived within {timeout:.0f}s; see {log_path}")
            return 1
        return 0
    except KeyboardInterrupt:
        say("Stopping ...")
        return 0
    finally:
        worker.terminate()
        state.terminate()
        if broker.started:  # a broker that was already running stays up
            say("Stopping the broker the demo started ...")
            kafka_local.down(settings)
