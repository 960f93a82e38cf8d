"""How long after its enriched event a consumer can read a story's cluster (issue 15: within 1 s at half load).

    .venv/bin/python -m bench.cluster_latency [--rate 5] [--seconds 60] [--port 19392]

Starts a broker of its own (the fault broker's home, ports ``port``/``port + 1``), one enrich worker and one state
worker, pushes synthetic wire stories (:func:`faults.stories.valid_stories`) at ``--rate`` stories/s (the single
worker sustains about 11/s on this machine, so 5/s is half load), and for every story compares the broker
timestamps of its ``wire.enriched`` event and its ``wire.story-clusters`` record (both written by workers on
this machine, so one clock). Prints p50/p95/p99/max in seconds and the share within 1 s; stops everything it
started.
"""

from __future__ import annotations

import argparse
import time

from bench.stats import percentile
from faults.cases import as_outgoing
from faults.env import FAULTS_HOME, FaultEnv, broker_settings, case_settings
from faults.reconcile import Pusher
from faults.stories import valid_stories
from streams.cli.wire import make_consumer
from streams.config import Settings
from streams.topics import Topics


def timestamps(settings: Settings, topic: str, want: int, timeout_s: float) -> dict[str, int]:
    """Broker timestamp (ms) of the first record per key of ``topic``, once ``want`` keys were read."""
    consumer = make_consumer(settings, [topic])
    seen: dict[str, int] = {}
    deadline = time.monotonic() + timeout_s
    try:
        while len(seen) < want and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for m in batch:
                    if m.key:
                        seen.setdefault(m.key.decode(), m.timestamp)
    finally:
        consumer.close()
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--port", type=int, default=19392)
    args = ap.parse_args()
    logs = FAULTS_HOME / "logs" / time.strftime("latency-%Y%m%dT%H%M%S")
    logs.mkdir(parents=True, exist_ok=True)
    env = FaultEnv(broker_settings(args.port, home=FAULTS_HOME / f"latency-{args.port}"), logs)
    try:
        env.start_broker()
        settings = case_settings(env.base, f"latency{time.time_ns() % 10**8}")
        env.start_worker(settings, "enrich")
        env.start_worker(settings.model_copy(update={"role": "state"}), "state")
        stories = as_outgoing(valid_stories(int(args.rate * args.seconds), tag=f"lat{time.time_ns()}"))
        pusher = Pusher(settings)
        pusher.pace(stories, rate_per_s=args.rate)
        pusher.join()
        pusher.close()
        topics = Topics.of(settings)
        enriched = timestamps(settings, topics.enriched, len(stories), 300)
        clustered = timestamps(settings, topics.clustering()[2], len(stories), 120)
        gaps = sorted((clustered[k] - enriched[k]) / 1000 for k in enriched if k in clustered)
        print(f"{len(stories)} stories at {args.rate}/s: {len(enriched)} enriched, {len(gaps)} with a cluster; "
              f"enriched -> story-cluster p50 {percentile(gaps, 50):.3f} s, p95 {percentile(gaps, 95):.3f} s, "
              f"p99 {percentile(gaps, 99):.3f} s, max {gaps[-1]:.3f} s; "
              f"within 1 s: {sum(g <= 1.0 for g in gaps) / max(len(gaps), 1):.1%} (logs: {logs})")  # fmt: skip
    finally:
        env.close()


if __name__ == "__main__":
    main()
