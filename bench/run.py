"""`make bench`: end-to-end throughput and latency of wirestream against the bare enrichment library.

One run, on the same stories: bare library (one process per core), end-to-end through a real local broker with
1 worker and with one worker per core, a naive kafka-python peer, open-loop latency at half the measured maximum,
and peak memory per worker. Prints a table and, last, the summary line; writes bench/results/bench-<ts>.json.
Everything it starts (broker, workers, child processes) is stopped on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, fields, is_dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench.bare import BarePool, BareResult
from bench.corpus import REPO, BenchStory, load_sources, make_corpus, mixed_corpus
from bench.e2e import E2EResult, NaiveResult, Window, run_e2e, run_naive
from bench.procs import cores, cpu_model, peak_rss_mb
from bench.report import render
from streams.config import Settings
from streams.topics import isolated

RESULTS = REPO / "bench" / "results"
BENCH_HOME = REPO / ".wirestream" / "kafka-bench"
SHORT, LONG = 300, 800


@dataclass(frozen=True)
class Plan:
    """How long each part runs."""

    window_s: float
    warmup_s: float
    latency_s: float
    bare_budget_s: float
    corpus: int
    workers: int
    batch_size: int
    enrich_mode: str
    kafka_port: int
    partitions: int
    modes: tuple[str, ...] = ("bare", "e2e", "naive")
    overrides: tuple[tuple[str, str], ...] = ()
    profile: Path | None = None
    latency_rate: float | None = None
    quick: bool = False


def parse_args(argv: list[str] | None) -> Plan:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="~3-minute smoke run (short windows, small bare passes)")
    p.add_argument("--window", type=float, help="seconds of each sustained-rate window (default 60, quick 15)")
    p.add_argument("--warmup", type=float, help="seconds after the first output before measuring (default 10, quick 4)")
    p.add_argument("--latency", type=float, help="seconds of the open-loop latency run (default 40, quick 15)")
    p.add_argument("--latency-rate", type=float, help="stories/s of the latency run (default: half the measured max)")
    p.add_argument(
        "--bare-budget", type=float, help="target seconds of the 4 size/count bare runs (default 60, quick 20)"
    )
    p.add_argument("--workers", type=int, default=cores(), help="workers of the multi-worker run (default: cores)")
    p.add_argument("--batch-size", type=int, default=Settings().batch_size)
    p.add_argument("--enrich-mode", choices=["process", "thread"], default=Settings().enrich_mode)
    p.add_argument("--modes", default="bare,e2e,naive", help="comma-separated subset of bare,e2e,naive (default all)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override a worker setting, e.g. --set batch_timeout_s=0.05 (repeatable)",
    )
    p.add_argument("--profile", type=Path, help="record py-spy profiles of every measured window into this folder")
    p.add_argument("--kafka-port", type=int, default=19292, help="port of the benchmark's own broker (+1: controller)")
    a = p.parse_args(argv)
    q = a.quick
    return Plan(
        window_s=a.window or (12.0 if q else 60.0),
        warmup_s=a.warmup if a.warmup is not None else (3.0 if q else 10.0),
        latency_s=a.latency or (12.0 if q else 40.0),
        latency_rate=a.latency_rate,
        quick=q,
        bare_budget_s=a.bare_budget or (20.0 if q else 60.0),
        corpus=128,
        workers=max(1, a.workers),
        batch_size=a.batch_size,
        enrich_mode=a.enrich_mode,
        kafka_port=a.kafka_port,
        partitions=max(4, 2 * a.workers),
        modes=tuple(m.strip() for m in a.modes.split(",") if m.strip()),
        profile=a.profile,
        overrides=tuple(tuple(kv.split("=", 1)) for kv in a.set),  # type: ignore[misc]
    )


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def start_broker(stack: ExitStack, plan: Plan, run_id: str) -> Settings:
    """The benchmark's own broker (fresh data, shared jar cache) and this run's settings on it; the broker is stopped
    and wiped when ``stack`` closes."""
    from streams.kafka import local as kafka_local

    base = Settings()
    settings = base.model_copy(
        update={
            "home": BENCH_HOME,
            "kafka_port": plan.kafka_port,
            "kafka_controller_port": plan.kafka_port + 1,
            "kafka_bootstrap": f"127.0.0.1:{plan.kafka_port}",
            "kafka_security_protocol": "PLAINTEXT",
            "kafka_sasl_mechanism": None,
            "partitions": plan.partitions,
            "batch_size": plan.batch_size,
            "enrich_mode": plan.enrich_mode,
        }
    )
    if plan.overrides:
        settings = Settings.model_validate({**settings.model_dump(), **dict(plan.overrides)})
    settings = isolated(settings, f"bench-{run_id}", unique=False)  # the run's IPTC topics; modes isolate the rest
    data = kafka_local.BrokerPaths.of(settings).data
    if not kafka_local.status(settings).running:
        shutil.rmtree(data, ignore_errors=True)
    say(f"starting a broker on {settings.kafka_bootstrap} (home {BENCH_HOME}) ...")
    info = kafka_local.up(settings, wait_s=180, topics=(), jars_home=base.home)
    if info.started:
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        stack.callback(kafka_local.down, settings)
    return settings


def grid_size(rate: float, budget_s: float, unit: int) -> int:
    """Stories N of the smaller corpus so the four grid runs (N and 2N, short and long) fit ``budget_s``."""
    n = int(budget_s * rate / 6 / unit) * unit
    return min(max(n, unit), 8 * unit)


def run_bare(
    stack: ExitStack, settings: Settings, plan: Plan, corpus: list[BenchStory], sources: Any
) -> dict[str, Any]:
    """Bare library: the mixed corpus on all processes and on one, then story size x corpus size."""
    procs = plan.workers
    say(f"bare: loading the models in {procs} processes ...")
    pool = BarePool(procs, config=settings.enrich_config(), batch_size=plan.batch_size)
    stack.callback(pool.close)
    pool.wait_ready()
    unit = plan.batch_size * procs
    batches = 1 if plan.quick else 6  # batches per process in each timed pass
    docs = [s.document() for s in corpus[: batches * unit]]
    # A fresh process runs its first batches slower (allocator, kernel selection per input shape); the worker's
    # rates are measured after warm-up too, so one untimed pass first.
    pool.run(docs[:unit])
    out: dict[str, Any] = {}
    out["all"] = pool.run(docs)
    say(f"bare: {procs} processes {out['all'].rate:.2f} stories/s")
    out["one"] = pool.run(docs[: max(1, batches - 1) * plan.batch_size], processes=1)
    say(f"bare: 1 process {out['one'].rate:.2f} stories/s")
    n = grid_size(out["all"].rate, plan.bare_budget_s, plan.batch_size if plan.quick else unit)
    grid: dict[str, BareResult] = {}
    for words in (SHORT, LONG):
        stories = make_corpus(sources, count=2 * n, words=words, tag=f"grid{words}")
        gdocs = [s.document() for s in stories]
        for count in (n, 2 * n):
            grid[f"{words}w x {count}"] = res = pool.run(gdocs[:count])
            say(f"bare: {count} stories of ~{words} words: {res.rate:.2f} stories/s")
    out["grid"] = grid
    out["rss_mb"] = [peak_rss_mb(p.pid).get("main", math.nan) for p in pool.procs]
    pool.close()
    return out


def machine() -> dict[str, Any]:
    return {"cores": cores(), "cpu": cpu_model(), "python": platform.python_version(), "platform": platform.platform()}


def summary_line(bare: dict[str, Any] | None, e2e: E2EResult | None, naive: NaiveResult | None) -> str:
    """The last line: e2e (most workers) vs bare (all cores), 1 worker vs the naive peer, p99, worker RSS."""
    nan = math.nan
    e2e_max = (e2e.rate_many or e2e.rate_one) if e2e else nan
    x = e2e_max / bare["all"].rate if bare and bare["all"].rate else nan
    y = e2e.rate_one / naive.rate if e2e and naive and naive.rate else nan
    p99 = e2e.latency.p99_ms if e2e else nan
    rss = e2e.max_worker_rss_mb if e2e else nan
    return f"ratio_e2e_vs_bare={x:.2f} ratio_e2e_vs_naive={y:.2f} p99_ms={p99:.0f} rss_mb={rss:.0f}"


def _jsonable(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        d = {f.name: _jsonable(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, BareResult | Window):
            d["rate"] = obj.rate
            d["per_cpu_second"] = obj.per_cpu_second
        if isinstance(obj, Window):
            d["per_cpu_second_without_broker"] = obj.per_cpu_second_without_broker
        return d
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    signal.signal(signal.SIGTERM, _interrupt)
    source_name, sources = load_sources()
    if not sources:
        say("no source texts (neither ../shared/data/bbc-news nor English seeds/)")
        return 2
    corpus = mixed_corpus(sources, count=plan.corpus, short=SHORT, long=LONG, tag=f"mix-{run_id}")
    results: dict[str, Any] = {"run": run_id, "machine": machine(), "plan": asdict(plan), "source": source_name}
    results["loadavg_before"] = os.getloadavg()
    started = time.monotonic()
    with ExitStack() as stack:
        settings = start_broker(stack, plan, run_id)
        bare = run_bare(stack, settings, plan, corpus, sources) if "bare" in plan.modes else None
        e2e = run_e2e(settings, plan, corpus, run_id, say) if "e2e" in plan.modes else None
        naive = run_naive(settings, plan, corpus, run_id, say) if "naive" in plan.modes else None
        say("stopping the broker ...")
    results.update(bare=bare, e2e=e2e, naive=naive, seconds=time.monotonic() - started, loadavg_after=os.getloadavg())
    line = summary_line(bare, e2e, naive)
    results["summary"] = line
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench-{run_id}.json"
    out.write_text(json.dumps(_jsonable(results), indent=2) + "\n")
    print(render(results, plan))
    print(f"full results: {out.relative_to(REPO)}")
    print(line)
    return 0


def run() -> int:
    """:func:`main`, with Ctrl-C / SIGTERM reported as an interruption (cleanup already ran)."""
    try:
        return main()
    except KeyboardInterrupt:
        say("interrupted; the broker, workers and child processes the bench started are stopped")
        return 130


if __name__ == "__main__":
    sys.exit(run())
