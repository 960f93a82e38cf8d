"""A real `wirestream worker` process for integration tests (importable by test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

from streams.cli.demo import start_worker, stop_worker, wait_until_ready
from streams.config import Settings


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
