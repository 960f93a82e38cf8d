"""End-to-end modes: real workers (and the naive peer) on the benchmark's broker, fed and drained by the bench."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bench.corpus import BenchStory
from bench.kafka_io import Collector, Feeder
from bench.naive import NaivePeer
from bench.procs import peak_rss_mb, tree_cpu
from bench.stats import Buckets, add_buckets, bucket_quantile, completion_rate, percentile, sub_buckets
from streams.cli import harness
from streams.cli.harness import WorkerProcess, free_port
from streams.config import Settings
from streams.topics import isolated

if TYPE_CHECKING:
    from bench.run import Plan

Say = Callable[[str], None]
FRESHNESS = "wirestream_freshness_seconds"
STAGE_SECONDS = "wirestream_stage_duration_seconds_sum"


@dataclass
class Window:
    """One sustained-rate measurement."""

    workers: int
    stories: int
    seconds: float
    rate: float
    cpu: dict[str, float] = field(default_factory=dict)  # cores used during the window, per process role
    stages: dict[str, float] = field(default_factory=dict)  # worker seconds per wall second, per stage

    @property
    def per_cpu_second(self) -> float:
        """Stories per CPU-second of every measured process (workers or peer, and the broker)."""
        cores = sum(v for k, v in self.cpu.items() if not k.startswith("bench."))
        return self.rate / cores if cores > 0 else 0.0

    @property
    def per_cpu_second_without_broker(self) -> float:
        """Stories per CPU-second of the workers (or peer) alone: the cost with the broker on another machine."""
        cores = sum(v for k, v in self.cpu.items() if not k.startswith(("bench.", "broker.")))
        return self.rate / cores if cores > 0 else 0.0


@dataclass
class Latency:
    """Open-loop latency at a fixed rate."""

    rate: float
    sent: int
    received: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    freshness_buckets: dict[str, float] = field(default_factory=dict)
    freshness_p50_ms: float = math.nan
    freshness_p99_ms: float = math.nan


@dataclass
class E2EResult:
    one: Window
    many: Window | None
    latency: Latency
    rss_mb: list[dict[str, float]]
    dead_letters: int
    duplicates: int

    @property
    def rate_one(self) -> float:
        return self.one.rate

    @property
    def rate_many(self) -> float | None:
        return self.many.rate if self.many else None

    @property
    def max_worker_rss_mb(self) -> float:
        """Peak RSS of the largest worker: its main process plus its enrichment child."""
        return max((sum(r.values()) for r in self.rss_mb), default=math.nan)


@dataclass
class NaiveResult:
    window: Window
    rss_mb: dict[str, float]

    @property
    def rate(self) -> float:
        return self.window.rate


def mode_settings(settings: Settings, name: str) -> Settings:
    """Own consumer group and raw/enriched/dead-letter topics for one mode (IPTC topics are shared)."""
    return isolated(settings, name, iptc=False, unique=False)


def _prepare(stack: ExitStack, settings: Settings, corpus: list[BenchStory], tag: str) -> tuple[Collector, Feeder]:
    from streams.kafka.admin import ensure_topics

    ensure_topics(settings)
    collector = Collector(settings)
    collector.start()
    stack.callback(collector.stop)
    collector.wait_ready()
    feeder = Feeder(settings, corpus, tag)
    stack.callback(feeder.close)
    return collector, feeder


def launch(stack: ExitStack, settings: Settings, index: int) -> WorkerProcess:
    """Start `wirestream worker` number ``index`` with its own metrics port and home; stopped when ``stack`` closes."""
    home = settings.home / f"worker-{settings.app_id}-{index}"
    ws = settings.model_copy(update={"metrics_port": free_port(), "home": home})
    worker = harness.launch(ws, home / "worker.log")
    stack.callback(worker.terminate)
    return worker


def _has_enriched(worker: WorkerProcess) -> bool:
    return worker.metrics().total("wirestream_stories_enriched_total") > 0


def _wait(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    out: dict[str, float] = {}
    for role, pid in pids.items():
        for part, secs in tree_cpu(pid).items():
            if role == "bench" and part == "children":
                continue  # workers and the broker are children of the bench: counted under their own names
            out[f"{role}.{part}"] = secs
    return out


def _stages(workers: list[WorkerProcess]) -> dict[str, float]:
    """Seconds per stage so far (``wirestream_stage_duration_seconds_sum``), summed over ``workers``."""
    total: dict[str, float] = {}
    for w in workers:
        for stage, secs in w.metrics().by_label(STAGE_SECONDS, "stage").items():
            total[stage] = total.get(stage, 0.0) + secs
    return total


def measure(
    collector: Collector, plan: Plan, pids: dict[str, int], say: Say, workers: Sequence[WorkerProcess] = ()
) -> Window:
    """Wait the warm-up, then measure the completion rate over one window, the CPU each process used and (for
    workers) the share of wall time each pipeline stage took, summed over workers."""
    time.sleep(plan.warmup_s)
    cpu0, st0, t0 = _cpu(pids), _stages(list(workers)), time.time()
    profilers = [_profile(pid, role, plan) for role, pid in pids.items() if role != "broker"] if plan.profile else []
    time.sleep(plan.window_s)
    for prof in profilers:
        if prof is not None:
            prof.wait(30)
    cpu1, st1, t1 = _cpu(pids), _stages(list(workers)), time.time()
    stories, rate = completion_rate(collector.arrivals(), t0, t1)
    cpu = {k: round((cpu1[k] - cpu0.get(k, 0.0)) / (t1 - t0), 3) for k in cpu1}
    stages = {k: round((st1[k] - st0.get(k, 0.0)) / (t1 - t0), 3) for k in st1 if k in ("parse", "enrich", "publish")}
    n = max(len(workers), 1)
    say(f"  {n} process(es): {stories} stories in {t1 - t0:.0f}s, {rate:.2f} stories/s; cores used {cpu}; "
        f"stage share of wall time {stages}")  # fmt: skip
    return Window(n, stories, t1 - t0, rate, cpu, stages)


def _profile(pid: int, role: str, plan: Plan) -> subprocess.Popen[bytes] | None:
    """py-spy (if installed) sampling ``pid`` and its children for one window, as collapsed stacks."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    assert plan.profile is not None
    out = plan.profile / f"profile-{role}-{int(time.time())}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [spy, "record", "--subprocesses", "--idle", "--format", "raw", "--rate", "50",
           "--duration", str(int(plan.window_s)), "--pid", str(pid), "--output", str(out)]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _pids(settings: Settings, workers: list[WorkerProcess]) -> dict[str, int]:
    """Processes whose CPU a window reports: each worker (with its children) and the broker."""
    from streams.kafka import local as kafka_local

    pids = {f"w{i}": w.pid for i, w in enumerate(workers)}
    pids["bench"] = os.getpid()  # feeder and collector threads (reported, not counted in stories/CPU-s)
    broker = kafka_local.status(settings).pid
    if broker is not None:
        pids["broker"] = broker
    return pids


def _freshness(workers: list[WorkerProcess]) -> Buckets:
    total: Buckets = {}
    for w in workers:
        total = add_buckets(total, w.metrics().buckets(FRESHNESS))
    return total


def _latency(
    collector: Collector, feeder: Feeder, workers: list[WorkerProcess], rate: float, plan: Plan, say: Say
) -> Latency:
    say(f"latency: open loop at {rate:.2f} stories/s for {plan.latency_s:.0f}s ...")
    before = _freshness(workers)
    keys = feeder.open_loop(rate, plan.latency_s)
    deadline = time.monotonic() + 60
    while len(collector.arrival_of(keys)) < len(keys) and time.monotonic() < deadline:
        time.sleep(0.2)
    arrived = collector.arrival_of(keys)
    lat = [(arrived[k] - feeder.sent_at[k]) * 1000 for k in keys if k in arrived]
    fresh = sub_buckets(_freshness(workers), before)
    result = Latency(
        rate=rate, sent=len(keys), received=len(lat),
        p50_ms=percentile(lat, 50), p95_ms=percentile(lat, 95), p99_ms=percentile(lat, 99),
        max_ms=max(lat, default=math.nan),
        freshness_buckets={("+Inf" if math.isinf(le) else f"{le:g}"): n for le, n in fresh.items()},
        freshness_p50_ms=bucket_quantile(fresh, 0.5) * 1000, freshness_p99_ms=bucket_quantile(fresh, 0.99) * 1000,
    )  # fmt: skip
    say(
        f"  p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms, p99 {result.p99_ms:.0f} ms "
        f"({result.received}/{result.sent})"
    )
    return result


def _backlog(plan: Plan, workers: int) -> int:
    """Stories kept waiting in the raw topic: enough that no worker ever idles, little enough to drain fast."""
    return plan.batch_size * (2 * workers + 1)


def run_e2e(settings: Settings, plan: Plan, corpus: list[BenchStory], run_id: str, say: Say) -> E2EResult:
    """1 worker, then ``plan.workers`` in the same group, then open-loop latency on them; peak RSS at the end."""
    with ExitStack() as local:
        s = mode_settings(settings, f"bench-{run_id}-e2e")
        collector, feeder = _prepare(local, s, corpus, "e2e")
        say(f"e2e: starting 1 worker (enrich mode {s.enrich_mode}) ...")
        workers = [launch(local, s, 0)]
        feeder.keep_backlog(collector, _backlog(plan, 1))
        workers[0].wait_ready(300)
        _wait(lambda: collector.done() > 0, 300, "the first enriched story")
        one = measure(collector, plan, _pids(settings, workers), say, workers)
        many = None
        if plan.workers > 1:
            say(f"e2e: adding {plan.workers - 1} worker(s) to the group ...")
            feeder.backlog = _backlog(plan, plan.workers)
            extra = [launch(local, s, i) for i in range(1, plan.workers)]
            for w in extra:
                w.wait_ready(300)
            workers += extra
            for w in extra:
                _wait(partial(_has_enriched, w), 300, f"worker {w.pid} to enrich")
            many = measure(collector, plan, _pids(settings, workers), say, workers)
        feeder.stop()
        say("e2e: draining the backlog ...")
        _wait(lambda: collector.done() >= feeder.sent, 300, "the backlog to drain")
        best = max(one.rate, many.rate if many else 0.0)
        latency = _latency(collector, feeder, workers, plan.latency_rate or best / 2, plan, say)
        rss = [peak_rss_mb(w.pid) for w in workers]
        say(f"e2e: peak RSS per worker (MiB) {[{k: round(v) for k, v in r.items()} for r in rss]}")
        result = E2EResult(one, many, latency, rss, collector.dead_letters, collector.duplicates)
    return result


def run_naive(settings: Settings, plan: Plan, corpus: list[BenchStory], run_id: str, say: Say) -> NaiveResult:
    """The naive kafka-python loop, one process, same backlog policy as one worker."""
    with ExitStack() as local:
        s = mode_settings(settings, f"bench-{run_id}-naive")
        collector, feeder = _prepare(local, s, corpus, "naive")
        say("naive: starting the kafka-python loop ...")
        peer = NaivePeer(s)
        local.callback(peer.close)
        feeder.keep_backlog(collector, _backlog(plan, 1))
        peer.wait_ready()
        _wait(lambda: collector.done() > 0, 300, "the naive peer's first story")
        assert peer.proc.pid is not None
        window = measure(collector, plan, {"naive": peer.proc.pid, **_pids(settings, [])}, say)
        rss = peak_rss_mb(peer.proc.pid)
        return NaiveResult(window, rss)
