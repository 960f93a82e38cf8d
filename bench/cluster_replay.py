"""Replay synthetic traffic through the clusterer with an injected clock and print its memory curve.

    .venv/bin/python bench/cluster_replay.py [--hours 24] [--rate 10] [--window-h 72] [--max-stories 100000]

Stories are synthetic (random words from a 5,000-word vocabulary, 1 in 4 a re-send of a recent story, events of
3-6 stories sharing entities and a vector); event time advances 1/rate s per story, so 24 h at 10/s is 864,000
stories. Every simulated hour prints stories/clusters held, the process's max RSS and the mean ms per story.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np

from streams.clusters import ClusterConfig, EventClusterer
from streams.clusters.features import build_features


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--window-h", type=float, default=72.0)
    ap.add_argument("--max-stories", type=int, default=100_000)
    args = ap.parse_args()
    rng = random.Random(15)
    vocab = [f"w{i}" for i in range(5000)]
    t0 = 1_772_000_000.0
    clock = [t0]
    c = EventClusterer(ClusterConfig(window_s=args.window_h * 3600, max_stories=args.max_stories), clock=lambda: clock[0])
    recent: list[str] = []
    n = int(args.hours * 3600 * args.rate)
    start = last = time.perf_counter()
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
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            s = c.stats()
            print(f"hour {(i + 1) / (3600 * args.rate):5.1f}  stories {s['stories']:7d}  clusters {s['clusters']:6d}  "
                  f"maxrss {rss} MB  {(now - last) * 1000 / (3600 * args.rate):.3f} ms/story", flush=True)
            last = now
    print(f"total {n} stories in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
