"""What the fault cases run on: their own local broker, per-case topics, and worker processes they can kill.

The broker lives under ``<repo>/.wirestream/kafka-faults`` on its own ports (default 19192/19193), reusing the jar
cache of the default home, and accepts messages up to :data:`streams.kafka.local.MESSAGE_MAX_BYTES` so oversize
inputs reach the worker. Everything started here is stopped by :meth:`FaultEnv.close`.
"""

from __future__ import annotations

import shutil
import time
from contextlib import suppress
from pathlib import Path

from streams.cli.harness import WorkerProcess, free_port, start_worker
from streams.config import Settings
from streams.kafka import admin as kafka_admin
from streams.kafka import local as kafka_local
from streams.kafka.admin import delete_topics, end_offsets, ensure_topics
from streams.topics import Topics, isolated

REPO = Path(__file__).resolve().parent.parent
FAULTS_HOME = REPO / ".wirestream" / "kafka-faults"


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


def group_lag(settings: Settings) -> int:
    """End offsets minus committed offsets of the case's consumer group on its raw topic."""
    ends = end_offsets(settings, settings.topic_raw)
    done = committed_offsets(settings)
    return sum(max(end - done.get(p, 0), 0) for p, end in ends.items())


def committed_offsets(settings: Settings) -> dict[int, int]:
    """Committed offset per partition of the case's raw topic (absent partitions: nothing committed)."""
    return kafka_admin.committed_offsets(settings, settings.app_id, settings.topic_raw)


class FaultEnv:
    """A broker of our own plus the workers started on it; :meth:`close` stops them all."""

    def __init__(self, base: Settings, logs: Path, *, jars_home: Path | None = None, fresh: bool = True) -> None:
        self.base = base
        self.logs = logs
        self.jars_home = jars_home or Settings().home
        self.fresh = fresh
        self.workers: list[WorkerProcess] = []
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

    def start_worker(self, settings: Settings, name: str, *, ready_timeout_s: float = 300) -> WorkerProcess:
        """Start a worker for ``settings`` on a free metrics port, logging to ``<logs>/<name>.log``, and wait until
        its models are loaded (:class:`~streams.cli.harness.WorkerNotReady` if not; it is killed then)."""
        settings = settings.model_copy(update={"metrics_port": free_port()})
        worker = start_worker(settings, self.logs / f"{name}.log", ready_timeout_s=ready_timeout_s)
        self.workers.append(worker)
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
