"""Run Debian's real ``prometheus`` binary for a test: temp config, free port, ready wait, clean stop.

Used by the scrape tests (``from prometheus_fixture import run_prometheus``); the binary comes from
Debian's ``prometheus`` package (``make prometheus``).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.procs import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ALERT_RULES = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS = shutil.which("prometheus")

Sample = dict[str, Any]  # one element of an instant query's `data.result`


class PromQueryError(RuntimeError):
    """Prometheus answered a query with an error (bad PromQL, timeout...)."""


def load_dashboard_build() -> ModuleType:
    """deploy/grafana/build.py (deploy/ is not an installed package, so it is loaded by path)."""
    name = "wirestream_dashboard_build"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "deploy" / "grafana" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URL built here
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@dataclass
class PrometheusServer:
    """A running Prometheus: its base URL and a small client for the HTTP API."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def api(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>`` and return ``data``; raises PromQueryError unless status is success."""
        status, body = _get(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        try:
            payload = json.loads(body)
        except ValueError as err:
            raise PromQueryError(f"HTTP {status}: {body[:200]!r}") from err
        if payload.get("status") != "success":
            raise PromQueryError(f"{params}: {payload.get('errorType')}: {payload.get('error')}")
        return payload["data"]

    def query(self, expr: str) -> list[Sample]:
        """Instant query at now; the vector (or a one-element list for a scalar)."""
        data = self.api("query", query=expr)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def wait_for(
        self, expr: str, accept: Callable[[list[Sample]], bool] = bool, timeout: float = 60.0, every: float = 0.5
    ) -> list[Sample]:
        """Poll ``expr`` until ``accept(result)``; raises TimeoutError with the last result."""
        deadline = time.monotonic() + timeout
        result: list[Sample] = []
        while time.monotonic() < deadline:
            self.check_alive()
            result = self.query(expr)
            if accept(result):
                return result
            time.sleep(every)
        raise TimeoutError(f"{expr!r} not accepted within {timeout}s; last result: {result}")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"prometheus exited ({self.process.returncode}): {self.log_path.read_text()[-2000:]}")


def values(result: Sequence[Sample]) -> list[float]:
    """The float values of an instant-query result."""
    return [float(sample["value"][1]) for sample in result]


def write_config(
    path: Path, targets: Sequence[str], *, job: str = "wirestream", scrape_interval: str = "1s",
    rule_files: Sequence[Path] = (ALERT_RULES,),
) -> Path:
    """A Prometheus config scraping ``targets`` (host:port) as ``job``; JSON is valid YAML."""
    config = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": list(targets)}]}],
    }
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


@contextmanager
def run_prometheus(
    workdir: Path, targets: Sequence[str], *, job: str = "wirestream", scrape_interval: str = "1s",
    rule_files: Sequence[Path] = (ALERT_RULES,), ready_timeout: float = 60.0,
) -> Iterator[PrometheusServer]:
    """Start prometheus scraping ``targets``, wait for ``/-/ready``, stop it (SIGTERM, then SIGKILL) on exit."""
    if PROMETHEUS is None:
        raise FileNotFoundError("prometheus binary not found: run `make prometheus` (Debian's prometheus package)")
    workdir.mkdir(parents=True, exist_ok=True)
    config = write_config(workdir / "prometheus.yml", targets, job=job, scrape_interval=scrape_interval,
                          rule_files=rule_files)
    port = free_port()
    log_path = workdir / "prometheus.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = PrometheusServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            server.check_alive()
            try:
                if _get(f"{server.url}/-/ready", timeout=1.0)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"prometheus not ready after {ready_timeout}s: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
