"""The benchmark's printed report."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.run import Plan


def _f(x: float | None, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def render(results: dict[str, Any], plan: Plan) -> str:
    """Machine, throughput table, size/count grid, latency and memory, as plain text."""
    m = results["machine"]
    bare, e2e, naive = results.get("bare"), results.get("e2e"), results.get("naive")
    lines = [
        f"machine: {m['cores']} cores, {m['cpu']}, Python {m['python']}",
        f"stories: {results['source']} text, ~300/~800 words alternating, batch {plan.batch_size}, "
        f"enrich mode {plan.enrich_mode}, {plan.partitions} partitions, "
        f"window {plan.window_s:.0f}s after {plan.warmup_s:.0f}s warm-up",
        "",
        f"{'mode':<30}{'procs':>6}{'stories':>9}{'seconds':>9}{'stories/s':>11}{'vs bare':>9}"
        f"{'stories/CPU-s':>15}{'vs bare':>9}",
    ]

    def row(name: str, procs: int, stories: int, seconds: float, rate: float, ref: float | None,
            per_cpu: float = math.nan, ref_cpu: float | None = None) -> None:  # fmt: skip
        vs = _f(rate / ref) if ref else "-"
        vs_cpu = _f(per_cpu / ref_cpu) if ref_cpu and not math.isnan(per_cpu) else "-"
        lines.append(f"{name:<30}{procs:>6}{stories:>9}{seconds:>9.1f}{rate:>11.2f}{vs:>9}{_f(per_cpu):>15}{vs_cpu:>9}")

    b_all = bare["all"] if bare else None
    b_one = bare["one"] if bare else None
    cpu_ref = b_all.per_cpu_second if b_all else None
    if b_all and b_one:
        row("bare library", b_all.processes, b_all.stories, b_all.seconds, b_all.rate, b_all.rate,
            b_all.per_cpu_second, cpu_ref)  # fmt: skip
        row("bare library", 1, b_one.stories, b_one.seconds, b_one.rate, b_one.rate, b_one.per_cpu_second, cpu_ref)
    ref_one = b_one.rate if b_one else None
    ref_all = b_all.rate if b_all else None
    if e2e:
        one = e2e.one
        row("end-to-end, 1 worker", 1, one.stories, one.seconds, one.rate, ref_one, one.per_cpu_second, cpu_ref)
        if e2e.many:
            many = e2e.many
            row(f"end-to-end, {many.workers} workers", many.workers, many.stories, many.seconds, many.rate, ref_all,
                many.per_cpu_second, cpu_ref)  # fmt: skip
    if naive:
        w = naive.window
        row("naive kafka-python loop", 1, w.stories, w.seconds, w.rate, ref_one, w.per_cpu_second, cpu_ref)
    lines.append(
        "stories/CPU-s: stories per CPU-second used by the measured processes (bare: its processes; end-to-end:"
        " workers with their children and the broker; naive: the peer and the broker), robust to other load."
    )
    if e2e:
        per = ", ".join(
            f"{w.workers} worker(s) {w.per_cpu_second_without_broker:.2f}" for w in (e2e.one, e2e.many) if w
        )
        lines.append(
            f"stories/CPU-s without the broker's CPU: {per}"
            + (f"; naive {naive.window.per_cpu_second_without_broker:.2f}" if naive else "")
        )
    if e2e and e2e.many and e2e.one.rate:
        scale = f"{e2e.many.workers} workers / 1 = {e2e.many.rate / e2e.one.rate:.2f}x"
        if b_all and b_one:
            scale += f" (bare {b_all.processes} / 1 process = {b_all.rate / b_one.rate:.2f}x)"
        lines.append("scaling: " + scale)
    if e2e:
        lines.append(f"cores used in the 1-worker window: {e2e.one.cpu}")
        if e2e.many:
            lines.append(f"cores used in the {e2e.many.workers}-worker window: {e2e.many.cpu}")
    if naive:
        lines.append(f"cores used in the naive window: {naive.window.cpu}")
    if bare:
        header = f"{'corpus':<18}{'stories':>9}{'words':>9}{'seconds':>9}{'stories/s':>11}{'ms/100 words':>14}"
        lines += ["", "bare cost vs story size and corpus size:", header]
        for name, r in bare["grid"].items():
            per100 = r.seconds * r.processes / r.words * 100 * 1000 if r.words else math.nan
            lines.append(f"{name:<18}{r.stories:>9}{r.words:>9}{r.seconds:>9.1f}{r.rate:>11.2f}{per100:>14.1f}")
        lines.append(f"peak RSS of the bare processes (MiB): {[round(x) for x in bare['rss_mb']]}")
    if e2e:
        lat = e2e.latency
        lines += [
            "",
            f"latency at {lat.rate:.2f} stories/s (half the max), open loop, produce -> enriched consumed, "
            f"{lat.received}/{lat.sent} stories: p50 {_f(lat.p50_ms, 0)} ms, p95 {_f(lat.p95_ms, 0)} ms, "
            f"p99 {_f(lat.p99_ms, 0)} ms, max {_f(lat.max_ms, 0)} ms",
            f"worker freshness histogram (same window): p50 ~{_f(lat.freshness_p50_ms, 0)} ms, "
            f"p99 ~{_f(lat.freshness_p99_ms, 0)} ms; buckets {lat.freshness_buckets}",
            "peak RSS per worker (MiB, VmHWM): "
            + "; ".join(
                " + ".join(f"{k} {v:.0f}" for k, v in r.items()) + f" = {sum(r.values()):.0f}" for r in e2e.rss_mb
            ),
            f"dead letters {e2e.dead_letters}, duplicate outputs {e2e.duplicates}",
        ]
    if naive:
        lines.append(f"peak RSS of the naive peer (MiB): {sum(naive.rss_mb.values()):.0f}")
    lines.append(f"total bench time {results['seconds']:.0f}s")
    before = results.get("loadavg_before") or (0.0,)
    if before[0] > 0.5 * m["cores"]:
        lines.append(
            f"WARNING: the machine was busy before the bench started (1-min load {before[0]:.1f} on "
            f"{m['cores']} cores): stories/s depend on what other programs left; compare the stories/CPU-s columns."
        )
    return "\n".join(lines)
