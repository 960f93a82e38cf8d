"""What the fault cases run on: their own local broker, per-case topics, and worker processes they can kill.

The broker lives under ``<repo>/.wirestream/kafka-faults`` on its own ports (default 19192/19193), reusing the jar
cache of the default home, and accepts messages up to :data:`streams.kafka.local.MESSAGE_MAX_BYTES` so oversize
inputs reach the worker. Everything started here is stopped by :meth:`FaultEnv.close`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import free_port
from streams.cli.demo import stop_worker, wait_until_ready
from streams.config import Settings
from streams.kafka import admin as kafka_admin
from streams.kafka import local as kafka_local
from streams.kafka.admin import delete_topics, end_offsets, ensure_topics
from streams.topics import Topics, isolated

REPO = Path(__file__).resolve().parent.parent
FAULTS_HOME = REPO / ".wirestream" / "kafka-faults"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def broker_settings(port: int = 19192, home: Path = FAULTS_HOME, partitions: int = 4) -> Settings:
    """Settings of a fault-test broker on ``port`` (controller on ``port + 1``)."""
    return Settings().model_copy(
        update={
            "home": home,
            "kafka_port": port,
            "kafka_controller_port": port + 1,
            "kafka_bootstrap": f"127.0.0.1:{port}",
            "kafka_security_protocol": "PLAINTEXT",
            "kafka_sasl_mechanism": None,
            "partitions": partitions,
        }
    )


def case_settings(base: Settings, name: str, **overrides: object) -> Settings:
    """``base`` with a consumer group and topics of their own for one case (created here)."""
    settings = isolated(base, f"faults-{name}").model_copy(update={"lag_poll_interval_s": 1.0, **overrides})
    ensure_topics(settings)
    return settings


def drop_case_topics(settings: Settings) -> None:
    """Delete a case's topics (best effort)."""
    with suppress(Exception):  # cleanup must not mask the case's result
        delete_topics(settings, Topics.of(settings).all())


def process_group_rss(pgid: int) -> int:
    """Resident bytes of every process in process group ``pgid`` (the worker and its enrichment child)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) == pgid:
                total += int(stat[21]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


@dataclass
class Worker:
    """A `wirestream worker` process in its own session (so its enrichment child dies with it)."""

    settings: Settings
    proc: subprocess.Popen[bytes]
    log_path: Path
    started_at: float = field(default_factory=time.monotonic)
    stopped: bool = False

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    @property
    def crashed(self) -> bool:
        """Exited although nobody stopped it."""
        return not self.stopped and self.proc.poll() is not None

    def kill9(self) -> None:
        self.stopped = True
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def terminate(self, timeout_s: float = 60.0) -> int:
        """SIGTERM (graceful) and wait; SIGKILL after ``timeout_s``."""
        self.stopped = True
        return stop_worker(self.proc, timeout=timeout_s)

    def rss(self) -> int:
        return process_group_rss(self.proc.pid) if self.alive else 0

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def group_lag(settings: Settings) -> int:
    """End offsets minus committed offsets of the case's consumer group on its raw topic."""
    ends = end_offsets(settings, settings.topic_raw)
    done = committed_offsets(settings)
    return sum(max(end - done.get(p, 0), 0) for p, end in ends.items())


def committed_offsets(settings: Settings) -> dict[int, int]:
    """Committed offset per partition of the case's raw topic (absent partitions: nothing committed)."""
    return kafka_admin.committed_offsets(settings, settings.app_id, settings.topic_raw)


def launch(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """Start `wirestream worker` with ``settings`` (as WIRESTREAM_* env) in its own session, logging to ``log_path``.

    ``--without-web``: Faust's own web server (0.0.0.0:6066, unused by wirestream) would stop a second worker
    on the same host from starting.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings.as_env()}
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "streams", "worker", "--loglevel", "info", "--without-web"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=REPO,
        )  # fmt: skip


class FaultEnv:
    """A broker of our own plus the workers started on it; :meth:`close` stops them all."""

    def __init__(self, base: Settings, logs: Path, *, jars_home: Path | None = None, fresh: bool = True) -> None:
        self.base = base
        self.logs = logs
        self.jars_home = jars_home or Settings().home
        self.fresh = fresh
        self.workers: list[Worker] = []
        self.started_broker = False

    def start_broker(self, wait_s: float = 180) -> None:
        if self.fresh and not kafka_local.status(self.base).running:
            shutil.rmtree(kafka_local.BrokerPaths.of(self.base).data, ignore_errors=True)
        info = kafka_local.up(self.base, wait_s=wait_s, topics=(), jars_home=self.jars_home)
        self.started_broker = self.started_broker or info.started

    def stop_broker(self) -> None:
        kafka_local.down(self.base)

    def restart_broker(self, down_s: float) -> None:
        """Stop the broker, keep it down for ``down_s`` seconds, start it again (same data)."""
        kafka_local.down(self.base)
        time.sleep(down_s)
        kafka_local.up(self.base, wait_s=180, topics=(), jars_home=self.jars_home)

    def start_worker(self, settings: Settings, name: str, *, ready_timeout_s: float = 300) -> Worker:
        """Start a worker for ``settings`` on a free metrics port and wait until its models are loaded."""
        settings = settings.model_copy(update={"metrics_port": free_port()})
        log_path = self.logs / f"{name}.log"
        proc = launch(settings, log_path)
        worker = Worker(settings, proc, log_path)
        self.workers.append(worker)
        try:
            wait_until_ready(settings, proc, timeout=ready_timeout_s)
        except Exception as exc:
            worker.kill9()
            raise RuntimeError(f"worker {name} did not start: {exc}\n{worker.log_tail()}") from None
        return worker

    def close(self) -> None:
        for worker in self.workers:
            if worker.alive:
                try:
                    worker.terminate(timeout_s=20)
                except Exception:  # noqa: BLE001
                    worker.kill9()
        if self.started_broker:
            kafka_local.down(self.base)
