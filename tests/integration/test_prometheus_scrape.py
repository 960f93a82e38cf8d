"""Debian's real Prometheus scrapes a running wirestream worker (and a state worker beside it) while stories flow;
its HTTP API answers and every dashboard panel has data.

Needs the ``running_worker`` fixture (tests/conftest.py): a started ``wirestream worker`` on the real broker,
exposing ``.settings`` (streams.config.Settings) whose ``metrics_host:metrics_port`` serves /metrics and whose
``topic_raw`` the worker consumes. The test itself pushes the project's seeds/ (valid and malformed stories).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from prometheus_fixture import PROMETHEUS, REPO_ROOT, PromQueryError, load_dashboard_build, run_prometheus, values

from schemas.models import ReasonCode
from streams.cli.harness import free_port, start_worker
from streams.cli.wire import input_files, push_files

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (`make prometheus`)"),
]

SEEDS = REPO_ROOT / "seeds"
WINDOW = "2m"  # rate window: wide enough to hold every increment of one pushed batch of seeds


def test_prometheus_scrapes_the_worker_while_stories_flow(running_worker: Any, tmp_path: Path) -> None:
    settings = running_worker.settings
    state = settings.model_copy(update={"role": "state", "metrics_port": free_port()})
    targets = [f"{s.metrics_host}:{s.metrics_port}" for s in (settings, state)]
    files = input_files([SEEDS])
    malformed = [f for f in files if "malformed" in f.parts]
    assert malformed and len(files) > len(malformed), "seeds/ must hold valid and malformed stories"

    state_worker = start_worker(state, tmp_path / "state.log", ready_timeout_s=120)
    try:
        _scrape_while_stories_flow(settings, targets, files, tmp_path)
    finally:
        state_worker.terminate()


def _scrape_while_stories_flow(settings: Any, targets: list[str], files: list[Path], tmp_path: Path) -> None:
    with run_prometheus(tmp_path / "prometheus", targets) as prom:
        prom.wait_for('sum(up{job="wirestream"}) == 2', timeout=60)
        before = prom.wait_for("sum(wirestream_stories_consumed_total) or vector(0)", timeout=30)
        consumed_before = values(before)[0]

        summary = push_files(files, settings)
        assert summary.sent == len(files), summary.failed

        # Every pushed message is consumed, and the scrape after the last one has been ingested.
        prom.wait_for(
            "sum(wirestream_stories_consumed_total)",
            lambda r: bool(r) and values(r)[0] >= consumed_before + len(files),
            timeout=300,
            every=1.0,
        )
        enriched_rate = prom.wait_for(
            f"sum(rate(wirestream_stories_enriched_total[{WINDOW}]))", lambda r: bool(r) and values(r)[0] > 0, timeout=60
        )
        print(f"PromQL sum(rate(wirestream_stories_enriched_total[{WINDOW}])) = {enriched_rate}")

        # Throughput: positive and no more than the stories pushed within the window.
        assert 0 < values(enriched_rate)[0] <= len(files) / 60, enriched_rate

        # Freshness quantiles: finite, ordered, within the worker's own budget.
        quantiles = {
            q: values(prom.query(
                f"histogram_quantile({q}, sum by (le) (rate(wirestream_freshness_seconds_bucket[{WINDOW}])))"
            ))[0]
            for q in (0.5, 0.99)
        }
        print(f"freshness quantiles (s): {quantiles}")
        assert all(math.isfinite(v) and v > 0 for v in quantiles.values()), quantiles
        assert quantiles[0.5] <= quantiles[0.99] < 300, quantiles  # 300 s is the last finite bucket

        # Lag: one series per partition of the raw topic, never negative, drained to 0 once processed.
        raw = settings.topic_raw
        lag = prom.wait_for(f'wirestream_consumer_lag_messages{{topic="{raw}"}}', timeout=60)
        assert len(lag) == settings.partitions and min(values(lag)) >= 0, lag
        prom.wait_for(
            f'sum(wirestream_consumer_lag_messages{{topic="{raw}"}})',
            lambda r: bool(r) and values(r)[0] == 0,
            timeout=settings.lag_poll_interval_s * 6 + 60,
        )
        assert not prom.query(f'wirestream_committed_offset{{topic="{raw}"}} > on (topic, partition) '
                              f'wirestream_end_offset{{topic="{raw}"}}'), "committed past the end offset"
        assert values(prom.query(f'max(wirestream_consumer_lag_seconds{{topic="{raw}"}})'))[0] >= 0

        # Dead letters: the malformed seeds are counted, each under a known reason code.
        dead = prom.query("sum by (reason, stage) (wirestream_dead_letters_total)")
        assert dead and sum(values(dead)) >= 1, dead
        assert {s["metric"]["reason"] for s in dead} <= {code.value for code in ReasonCode}, dead

        # Every dashboard panel query parses and returns data from this real scrape.
        build = load_dashboard_build()
        failures: list[str] = []
        for title, expr in build.panel_queries():
            sent = build.for_prometheus(expr, rate_interval=WINDOW, range_="10m")
            try:
                if not prom.query(sent):
                    failures.append(f"{title}: no data for {sent}")
            except PromQueryError as err:
                failures.append(f"{title}: {err}")
        assert not failures, "\n".join(failures)

        # No alert fires for a healthy worker after a normal batch (WorkerDown, Stalled...).
        firing = [a for a in prom.api("alerts")["alerts"] if a["state"] == "firing"]
        assert not firing, firing
