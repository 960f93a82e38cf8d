"""Fixtures for integration tests: a real worker process on the session broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.cli.harness import WorkerProcess, free_port, start_worker
from streams.config import Settings


@pytest.fixture
def worker_settings(unique_settings: Settings) -> Settings:
    """This test's settings with a free metrics port and fast lag polling."""
    return unique_settings.model_copy(update={"metrics_port": free_port(), "lag_poll_interval_s": 1.0, "batch_size": 8})


@pytest.fixture
def running_worker(worker_settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A `wirestream worker` subprocess consuming this test's raw topic, ready (stopped after the test)."""
    worker = start_worker(worker_settings, tmp_path / "worker.log", ready_timeout_s=300)
    try:
        yield worker
    finally:
        worker.terminate()
