"""`wirestream demo`: broker + worker + seeds, end to end, on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from streams.cli.wire import format_event, input_files, iter_messages, make_consumer, push_files
from streams.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / "seeds"
DEMO_METRICS = (
    "wirestream_stories_consumed_total",
    "wirestream_stories_enriched_total",
    "wirestream_stories_withdrawn_total",
    "wirestream_dead_letters_total",
    "wirestream_stories_published_total",
    "wirestream_consumer_lag_messages",
)


def metrics_text(settings: Settings, timeout: float = 2.0) -> str | None:
    """The worker's /metrics page, or None while it is not up."""
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URL from settings
            return resp.read().decode()
    except OSError:
        return None


def start_worker(settings: Settings, log_path: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `wirestream worker` as a child process logging to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **(extra_env or {})}
    env.setdefault("WIRESTREAM_METRICS_PORT", str(settings.metrics_port))
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            # --without-web: faust's CLI starts its web server (0.0.0.0:6066) unless told not to.
            [sys.executable, "-m", "streams", "worker", "--without-web", "--loglevel", "info"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def wait_until_ready(settings: Settings, proc: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    """Wait until the worker serves metrics with its models loaded (raises if it exits or times out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with code {proc.returncode}")
        text = metrics_text(settings)
        if text and "wirestream_model_info{" in text:
            return
        time.sleep(0.5)
    raise TimeoutError(f"worker not ready after {timeout:.0f}s")


def stop_worker(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """SIGTERM the worker (graceful: commits what was published), SIGKILL after ``timeout``."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


def _settled_metrics(settings: Settings) -> str:
    """The metrics page once the lag gauges (polled every ``lag_poll_interval_s``) have caught up with the commits."""
    deadline = time.monotonic() + 2 * settings.lag_poll_interval_s + 2
    text = ""
    while time.monotonic() < deadline:
        text = metrics_text(settings) or ""
        lags = [line for line in text.splitlines() if line.startswith("wirestream_consumer_lag_messages{")]
        if lags and all(line.endswith(" 0.0") for line in lags):
            break
        time.sleep(1.0)
    return text


def metrics_summary(text: str) -> list[str]:
    """The demo-relevant lines of a /metrics page."""
    return [line for line in text.splitlines() if line.startswith(DEMO_METRICS)]


def run_demo(settings: Settings, *, once: bool, say: Callable[[str], None], seeds: Path = SEEDS, timeout: float = 300.0) -> int:
    """Run the demo; returns a process exit code."""
    from streams.kafka import local as kafka_local

    say(f"Starting the local Kafka broker ({settings.kafka_bootstrap}) ...")
    broker = kafka_local.up(settings)  # also creates the topics
    if not broker.started:
        say("A broker was already running there; reusing it (it stays up after the demo).")
    log_path = settings.home / "demo-worker.log"
    say(f"Starting a worker (log: {log_path}) and loading models ...")
    worker = start_worker(settings, log_path)
    try:
        wait_until_ready(settings, worker)
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
                text = _settled_metrics(settings)
                say(f"Metrics: http://{settings.metrics_host}:{settings.metrics_port}/metrics")
                for line in metrics_summary(text):
                    say("  " + line)
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
        stop_worker(worker)
        if broker.started:  # a broker that was already running stays up
            say("Stopping the broker the demo started ...")
            kafka_local.down(settings)
