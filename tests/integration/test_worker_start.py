"""A worker that cannot start says why in one line and exits 1 quickly (issue 17, 3)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.config import Settings

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker(env: dict[str, str], timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "streams", "worker", "-l", "info"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO), **env}, cwd=REPO, timeout=timeout, check=False)  # fmt: skip
    return done, time.monotonic() - start


def test_worker_against_a_closed_port_says_it_cannot_reach_the_broker(tmp_path: Path) -> None:
    done, took = _worker({
        "WIRESTREAM_KAFKA_BOOTSTRAP": "127.0.0.1:1", "WIRESTREAM_KAFKA_TIMEOUT_S": "3",
        "WIRESTREAM_METRICS_PORT": str(_free_port()), "WIRESTREAM_HOME": str(tmp_path),
    })  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    assert "error: wirestream worker cannot start: cannot reach the Kafka broker at 127.0.0.1:1 after 3 s" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert took < 30


def test_worker_whose_metrics_port_is_taken_says_so(unique_settings: Settings, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind((unique_settings.metrics_host, 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = {**unique_settings.as_env(), "WIRESTREAM_METRICS_PORT": str(port), "WIRESTREAM_HOME": str(tmp_path)}
        done, took = _worker(env)
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"port {port} in use" in done.stderr and "set WIRESTREAM_METRICS_PORT" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert took < 30
