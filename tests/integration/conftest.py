"""Fixtures for integration tests: a real worker process on the session broker."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

import pytest

from streams.config import Settings
from streams.demo import start_worker, stop_worker, wait_until_ready


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WorkerHandle:
    """A running `wirestream worker` process and the settings it runs with."""

    settings: Settings
    proc: Popen[bytes]
    log_path: Path

    @property
    def metrics_url(self) -> str:
        return f"http://{self.settings.metrics_host}:{self.settings.metrics_port}/metrics"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def launch_worker(settings: Settings, log_path: Path) -> WorkerHandle:
    """Start a worker with ``settings`` and wait until its models are loaded."""
    proc = start_worker(settings, log_path, extra_env=settings.as_env())
    handle = WorkerHandle(settings, proc, log_path)
    try:
        wait_until_ready(settings, proc, timeout=300)
    except Exception:
        stop_worker(proc)
        raise RuntimeError(f"worker did not start:\n{handle.log_tail()}") from None
    return handle


@pytest.fixture
def worker_settings(unique_settings: Settings) -> Settings:
    """This test's settings with a free metrics port and fast lag polling."""
    return unique_settings.model_copy(update={"metrics_port": free_port(), "lag_poll_interval_s": 1.0, "batch_size": 8})


@pytest.fixture
def running_worker(worker_settings: Settings, tmp_path: Path) -> Iterator[WorkerHandle]:
    """A `wirestream worker` subprocess consuming this test's raw topic (stopped after the test)."""
    handle = launch_worker(worker_settings, tmp_path / "worker.log")
    try:
        yield handle
    finally:
        stop_worker(handle.proc)
