"""Fixtures for integration tests: a real worker process on the session broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from worker_fixture import WorkerHandle, launch_worker

from bench.procs import free_port
from streams.cli.demo import stop_worker
from streams.config import Settings


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
