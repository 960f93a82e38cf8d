"""Replay synthetic traffic through the clusterer with an injected clock and print its memory curve.

    .venv/bin/python -m bench.cluster_replay [--hours 24] [--rate 10] [--out bench/results/cluster-replay.tsv]

Stories are synthetic (random words from a 5,000-word vocabulary, 1 in 4 a re-send of a recent story, events of
4 stories sharing entities and a vector); event time advances 1/rate s per story, so 24 h at 10/s is 864,000
stories. The clusterer has the worker's settings (``WIRESTREAM_CLUSTER_WINDOW_H``, ``_MAX_STORIES``,
``_MAX_CLUSTERS``: :func:`streams.cluster_agent.cluster_config` reads the same fields) unless overridden. Every
simulated hour prints (and writes as TSV) the stories/clusters held, the process's current and max RSS and the mean
ms per story, wall clock and CPU (the CPU figure is the cost on a shared machine).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

import numpy as np

from streams.clusters import ClusterConfig, EventClusterer
from streams.clusters.features import build_features
from streams.config import Settings


def rss_mib() -> float:
    """The process's resident set size now (Linux ``/proc/self/statm``), in MiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--window-h", type=float, default=settings.cluster_window_h)
    ap.add_argument("--max-stories", type=int, default=settings.cluster_max_stories)
    ap.add_argument("--max-clusters", type=int, default=settings.cluster_max_clusters)
    ap.add_argument("--out", type=Path, default=Path("bench/results/cluster-replay.tsv"))
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = args.out.open("w", encoding="utf-8")
    out.write("hour\tstories\tclusters\trss_mib\tmaxrss_mib\tms_per_story\tcpu_ms_per_story\n")
    rng = random.Random(15)
    vocab = [f"w{i}" for i in range(5000)]
    t0 = 1_772_000_000.0
    clock = [t0]
    config = ClusterConfig(window_s=args.window_h * 3600, max_stories=args.max_stories, max_clusters=args.max_clusters)
    c = EventClusterer(config, clock=lambda: clock[0])
    recent: list[str] = []
    n = int(args.hours * 3600 * args.rate)
    start = last = time.perf_counter()
    last_cpu = time.process_time()
    for i in range(n):
        clock[0] = t0 + i / args.rate
        event = i // 4
        erng = np.random.default_rng(event)
        vec = erng.normal(size=384).astype(np.float32)
        vec /= np.linalg.norm(vec)
        if recent and rng.random() < 0.25:
            body = rng.choice(recent)
        else:
            body = " ".join(rng.choice(vocab) for _ in range(120))
            recent = [*recent[-50:], body]
        ents = [{"type": "PERSON", "name": f"p{event}", "salience": 0.3}, {"type": "GPE", "name": f"g{event % 500}", "salience": 0.2}]
        f = build_features(story_id=f"s{i}", version=1, at=0.0, headline=body[:40], body=body, entities=ents, embedding=vec)
        c.observe(f)
        if (i + 1) % int(3600 * args.rate) == 0:
            now = time.perf_counter()
            hour, maxrss = (i + 1) / (3600 * args.rate), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            cpu = time.process_time()
            per_hour = 3600 * args.rate
            s, ms, cpu_ms = c.stats(), (now - last) * 1000 / per_hour, (cpu - last_cpu) * 1000 / per_hour
            print(f"hour {hour:5.1f}  stories {s['stories']:7d}  clusters {s['clusters']:6d}  rss {rss_mib():.0f} MiB  "
                  f"maxrss {maxrss:.0f} MiB  {ms:.3f} ms/story ({cpu_ms:.3f} CPU)", flush=True)
            out.write(f"{hour:.1f}\t{s['stories']}\t{s['clusters']}\t{rss_mib():.1f}\t{maxrss:.1f}\t{ms:.3f}\t{cpu_ms:.3f}\n")
            out.flush()
            last, last_cpu = now, cpu
    print(f"total {n} stories in {time.perf_counter() - start:.0f} s")
    out.close()


if __name__ == "__main__":
    main()
