"""A `wirestream worker` as a child process, and its /metrics page parsed: what the demo, the benchmark, the fault
cases and the integration tests all run workers with.

:func:`launch` starts ``python -m streams worker --without-web --loglevel info`` from the repository root (so
``faults`` is importable by a stage wrapper), in a session of its own (its enrichment child dies with it), with
``settings`` as ``WIRESTREAM_*`` environment variables and output appended to a log file. The returned
:class:`WorkerProcess` waits until it is ready (its /metrics lists the loaded models), stops it and reads its
metrics as :class:`Metrics`, the text exposition format parsed into :class:`Sample` s.

Example::

    worker = start_worker(settings.model_copy(update={"metrics_port": free_port()}), Path("worker.log"))
    try:
        print(worker.metrics().total("wirestream_stories_enriched_total"))
    finally:
        worker.terminate()
"""

from __future__ import annotations

import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.utils import floatToGoString

from streams.config import RESTART_EXIT, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
#: ``--without-web``: Faust's own web server (0.0.0.0:6066, unused by wirestream) would stop a second worker
#: on the same host from starting.
WORKER_ARGS = ("-m", "streams", "worker", "--without-web", "--loglevel", "info")
#: The worker is ready once this metric has a sample: the enrichment models are loaded.
#: What a ready worker of each role serves: the enrich role lists its loaded models, the state role its build.
READY_METRIC = {"enrich": "wirestream_model_info", "state": "wirestream_build_info"}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------------------------------------------ /metrics


@dataclass(frozen=True, slots=True)
class Sample:
    """One line of a Prometheus text page: ``name{labels} value``."""

    name: str
    labels: Mapping[str, str]
    value: float

    def __str__(self) -> str:
        if not self.labels:
            return f"{self.name} {floatToGoString(self.value)}"
        labels = ",".join(f'{k}="{_escape(v)}"' for k, v in self.labels.items())
        return f"{self.name}{{{labels}}} {floatToGoString(self.value)}"


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")




def _labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    pos = 0
    while pos < len(text.rstrip()):
        m = _LABEL.match(text, pos)
        if m is None:
            raise ValueError(f"bad labels {text!r}")
        labels[m.group(1)] = re.sub(r"\\[\\\"n]", lambda e: _UNESCAPE[e.group(0)], m.group(2))
        pos = m.end()
    return labels


def parse_samples(text: str) -> list[Sample]:
    """The samples of a page in the Prometheus text format (comments skipped); raises ValueError on a bad line."""
    out: list[Sample] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m is None:
            raise ValueError(f"bad metrics line {line!r}")
        out.append(Sample(m.group(1), _labels(m.group(2) or ""), float(m.group(3))))
    return out


@dataclass(frozen=True)
class Metrics:
    """A parsed /metrics page. ``labels`` filters match samples whose labels include them."""

    samples: tuple[Sample, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Metrics:
        return cls(tuple(parse_samples(text)))

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __bool__(self) -> bool:
        return bool(self.samples)

    def get(self, name: str, **labels: str) -> list[Sample]:
        """Samples of ``name`` with these labels."""
        return [s for s in self.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]

    def has(self, name: str, **labels: str) -> bool:
        return bool(self.get(name, **labels))

    def total(self, name: str, **labels: str) -> float:
        """Sum of ``name`` over every label set (0.0 if absent), e.g. ``total("wirestream_dead_letters_total")``."""
        return sum(s.value for s in self.get(name, **labels))

    def by_label(self, name: str, label: str, **labels: str) -> dict[str, float]:
        """``name`` summed per value of ``label``, e.g. seconds per stage of ``..._seconds_sum``."""
        out: dict[str, float] = {}
        for s in self.get(name, **labels):
            key = s.labels.get(label, "")
            out[key] = out.get(key, 0.0) + s.value
        return out

    def buckets(self, histogram: str, **labels: str) -> dict[float, float]:
        """Cumulative bucket counts (upper bound ``le`` -> count) of ``histogram``, summed over other labels."""
        out: dict[float, float] = {}
        for le, count in self.by_label(f"{histogram}_bucket", "le", **labels).items():
            if le:
                bound = math.inf if le == "+Inf" else float(le)
                out[bound] = out.get(bound, 0.0) + count
        return dict(sorted(out.items()))

    def select(self, names: Iterable[str]) -> list[Sample]:
        """Samples whose name is one of ``names``, in page order."""
        wanted = set(names)
        return [s for s in self.samples if s.name in wanted]


def metrics_url(settings: Settings) -> str:
    """Where a worker with ``settings`` serves its metrics."""
    return f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"


def metrics_text(settings: Settings, timeout: float = 2.0) -> str | None:
    """The /metrics page of the worker ``settings`` configure, as text; None while it does not answer."""
    try:
        with urllib.request.urlopen(metrics_url(settings), timeout=timeout) as resp:  # noqa: S310 - loopback URL from settings
            return resp.read().decode()
    except OSError:
        return None


def scrape(settings: Settings, timeout: float = 2.0) -> Metrics | None:
    """:func:`metrics_text`, parsed."""
    text = metrics_text(settings, timeout)
    return None if text is None else Metrics.parse(text)


def is_ready(metrics: Metrics | None, role: str = "enrich") -> bool:
    """The page shows the worker ready: its loaded models (``wirestream_model_info{...}``), or for the state role
    its build info."""
    return metrics is not None and any(s.labels for s in metrics.get(READY_METRIC[role]))


# ----------------------------------------------------------------------------------------------------- processes


def free_port(low: int = 20000, high: int = 32000) -> int:
    """A TCP port free on loopback right now, below the kernel's ephemeral range.

    Ports the kernel hands out for outgoing connections (32768+) can be taken by a client socket between this
    check and a listener's bind, so listeners get ports from ``low..high``.
    """
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}..{high}")


def process_group_rss(pgid: int) -> int:
    """Resident bytes of every process in process group ``pgid`` (a worker and its enrichment child)."""
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


class WorkerNotReady(RuntimeError):
    """The worker exited or timed out before serving its models' metrics; the message ends with its log tail."""


@dataclass
class WorkerProcess:
    """A `wirestream worker` child in its own session (process group = ``pid``)."""

    settings: Settings
    proc: subprocess.Popen[bytes]
    log_path: Path
    started_at: float = field(default_factory=time.monotonic)
    stopped: bool = False  # set by kill9/terminate: an exit after that is no crash

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    @property
    def crashed(self) -> bool:
        """Exited although nobody stopped it, and not to be restarted (:data:`~streams.config.RESTART_EXIT`)."""
        return not self.stopped and self.proc.poll() not in (None, RESTART_EXIT)

    @property
    def wants_restart(self) -> bool:
        """Stopped itself for a restart by its supervisor (:data:`~streams.config.RESTART_EXIT`)."""
        return not self.stopped and self.proc.poll() == RESTART_EXIT

    @property
    def metrics_url(self) -> str:
        return metrics_url(self.settings)

    def kill9(self, timeout_s: float = 30.0) -> None:
        """SIGKILL the whole process group (worker and enrichment child) and reap it."""
        self.stopped = True
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout_s)

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM the process group (graceful: commits what was published), SIGKILL after ``timeout_s``; the exit code."""
        self.stopped = True
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def rss(self) -> int:
        """Resident bytes of its process group now (0 once it exited)."""
        return process_group_rss(self.proc.pid) if self.alive else 0

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def scrape(self, timeout: float = 2.0) -> Metrics | None:
        """Its metrics, None while they do not answer."""
        return scrape(self.settings, timeout)

    def metrics(self, timeout: float = 2.0) -> Metrics:
        """Its metrics, empty while they do not answer."""
        return self.scrape(timeout) or Metrics()

    def wait_ready(self, timeout_s: float = 300.0, poll_s: float = 0.5) -> None:
        """Wait until it serves its models' metrics; :class:`WorkerNotReady` if it exits or ``timeout_s`` pass."""
        deadline = time.monotonic() + timeout_s
        while not is_ready(self.scrape(), self.settings.role):
            if self.proc.poll() is not None:
                raise WorkerNotReady(f"worker exited with code {self.proc.returncode} (log {self.log_path}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise WorkerNotReady(f"worker not ready after {timeout_s:.0f}s (log {self.log_path}):\n{self.log_tail()}")
            time.sleep(poll_s)


def launch(settings: Settings, log_path: Path, extra_env: Mapping[str, str] | None = None) -> WorkerProcess:
    """Start `wirestream worker` with ``settings`` (env: ``os.environ`` + ``settings.as_env()`` + ``extra_env``),
    from the repository root, appending its stdout and stderr to ``log_path``. Does not wait for it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings.as_env(), **(extra_env or {})}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, *WORKER_ARGS],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT, start_new_session=True,
        )  # fmt: skip
    return WorkerProcess(settings, proc, log_path)


def start_worker(
    settings: Settings,
    log_path: Path,
    *,
    extra_env: Mapping[str, str] | None = None,
    ready_timeout_s: float = 300.0,
) -> WorkerProcess:
    """:func:`launch`, then wait until ready; a worker that does not get ready is killed (:class:`WorkerNotReady`)."""
    worker = launch(settings, log_path, extra_env)
    try:
        worker.wait_ready(ready_timeout_s)
    except BaseException:
        worker.kill9()
        raise
    return worker
