"""The state worker under faults: the entity registry and the event clusterer after ``kill -9`` and rebalances.

Both cases run an enrich worker all along and push known stories in chunks, so that every fault lands while the
state worker has work in hand and more arrives after it. They end with a producer replay of some stories (same ids
and versions: nothing may count twice) and check, against what the enriched events say:

* the registry (:mod:`faults.registry_cases`): per entity, stories and mentions exact (nothing lost or doubled);
* the clusters: every enriched story has a ``wire.story-clusters`` record (``unassigned`` = 0), no story version was
  assigned to two different clusters (``split`` = 0, the at-least-once re-deliveries must repeat the first answer),
  and no story is a member of two clusters on ``wire.clusters`` (``in_two_clusters`` = 0);
* recovery: from each fault to the first assignment made after it (``recover_s``, target under 30 s; a kill -9
  includes the broker's session timeout before the dead member's partitions move, 15 s here).

``state_kill9`` kills the state worker with SIGKILL twice, each time once it has assigned stories since it started,
and starts a new one. ``state_rebalance`` starts two state workers, adds a third, then stops the first two with
SIGTERM one after the other, so that the language partition the clusterer keys by moves at least once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import orjson

from faults.cases import Case, as_outgoing
from faults.reconcile import Outgoing
from faults.registry_cases import compare, diagnose, expected_counts
from faults.stories import valid_stories
from streams.cli.entities import read_latest, read_records
from streams.cli.wire import make_consumer
from streams.config import Settings
from streams.topics import Topics


@dataclass
class StateSizes:
    """How big each state case is (about 2-3 minutes each on 2 cores)."""

    stories: int = 180
    chunks: int = 3
    kills: int = 2
    replayed: int = 30
    settle_s: float = 120.0
    recover_target_s: float = 30.0
    case_timeout_s: float = 420.0


class AssignmentTail:
    """Reads ``wire.story-clusters`` from the beginning in a background thread, noting when each record arrived."""

    def __init__(self, settings: Settings) -> None:
        self.topic = Topics.of(settings).clustering()[2]
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._consumer = make_consumer(settings, [self.topic])
        self._thread = threading.Thread(target=self._run, name="story-clusters-tail", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for batch in self._consumer.poll(timeout_ms=300).values():
                with self._lock:
                    self.records.extend(orjson.loads(m.value) for m in batch if m.value)
        self._consumer.close()

    def count(self) -> int:
        with self._lock:
            return len(self.records)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.records)

    def first_assigned_after(self, wall: float) -> float | None:
        """Wall time of the first assignment a worker made after ``wall`` (from ``assigned_at``), None if none yet."""
        times = [datetime.fromisoformat(r["assigned_at"]).timestamp() for r in self.snapshot() if r.get("assigned_at")]
        later = [t for t in times if t > wall]
        return min(later) if later else None

    def wait_for_more(self, than: int, timeout_s: float, on_tick: Callable[[], None]) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.count() <= than and time.monotonic() < deadline:
            on_tick()
            time.sleep(0.2)
        return self.count() > than

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def cluster_consistency(enriched_ids: set[str], assignments: list[dict[str, Any]], clusters: dict[str, dict[str, Any]]) -> dict[str, int]:
    """``unassigned`` enriched stories, ``split`` story versions with two cluster ids, ``in_two_clusters`` stories
    that are members of two cluster records, and how many ``repeat`` answers re-deliveries got."""
    by_version: dict[tuple[str, int], set[str]] = {}
    for a in assignments:
        by_version.setdefault((a["story_id"], int(a["version"])), set()).add(a["cluster_id"])
    member_of: dict[str, set[str]] = {}
    for cid, record in clusters.items():
        for m in record.get("members") or []:
            member_of.setdefault(m["story_id"], set()).add(cid)
    assigned = {sid for sid, _v in by_version}
    return {
        "stories": len(enriched_ids),
        "assignments": len(assignments),
        "unassigned": len(enriched_ids - assigned),
        "split": sum(1 for ids in by_version.values() if len(ids) > 1),
        "in_two_clusters": sum(1 for ids in member_of.values() if len(ids) > 1),
        "repeats": sum(1 for a in assignments if a.get("status") == "repeat"),
    }


def _chunks(stories: list[Outgoing], n: int) -> list[list[Outgoing]]:
    size = -(-len(stories) // n)
    return [stories[i : i + size] for i in range(0, len(stories), size)]


def check_state(case: Case, tail: AssignmentTail, stories: list[Outgoing], faults_at: list[float], sizes: StateSizes) -> None:
    """The producer replay, then the registry and cluster checks of the module docstring, into ``case``."""
    case.wait(sizes.case_timeout_s)
    case.pusher.push(stories[: sizes.replayed])
    case.wait(sizes.case_timeout_s)
    while case.reader.poll(1.0):
        pass
    expected, changed_ids = expected_counts(case.reader.outputs.enriched)
    enriched_ids = {str((doc.get("wirestream") or {}).get("story_id")) for _k, doc in case.reader.outputs.enriched
                    if (doc.get("wirestream") or {}).get("event") == "enriched"}  # fmt: skip
    deadline = time.monotonic() + sizes.settle_s
    while True:  # the state worker trails enrichment by a batch or two
        registry = compare(expected, read_records(case.settings))
        clusters = cluster_consistency(enriched_ids, tail.snapshot(), read_latest(case.settings, Topics.of(case.settings).clusters))
        exact = registry["lost"] == registry["doubled"] == registry["missing"] == 0 and clusters["unassigned"] == 0
        if exact or time.monotonic() > deadline:
            break
        case.supervise()  # a state worker that asked for a restart while the others settle gets it
        time.sleep(2.0)
    recover = [(t - f) if (t := tail.first_assigned_after(f)) is not None else None for f in faults_at]
    case.details.update(registry=registry, clusters=clusters, recover_s=[round(r, 1) if r is not None else None for r in recover])
    if not exact:
        case.details["diagnosis"] = diagnose(case.settings, expected)
    case.checks["registry has every entity"] = registry["missing"] == 0 and registry["entities"] > 0
    case.checks["registry counts exact (no story lost or doubled)"] = registry["lost"] == 0 and registry["doubled"] == 0
    case.checks["registry mention sums exact"] = registry["mentions_off"] == 0 and registry["repeated"] == 0 and registry["extra"] == 0
    case.checks["entity ids unchanged across re-deliveries"] = changed_ids == 0
    case.checks["every story assigned to a cluster"] = clusters["unassigned"] == 0 and clusters["stories"] > 0
    case.checks["no story in two clusters"] = clusters["split"] == 0 and clusters["in_two_clusters"] == 0
    case.checks[f"recovered within {sizes.recover_target_s:.0f}s of each fault"] = bool(recover) and all(
        r is not None and r < sizes.recover_target_s for r in recover
    )


def faults_mid_stream(case: Case, tail: AssignmentTail, stories: list[Outgoing], steps: list[Callable[[], object]],
                      rng: random.Random, pause_s: tuple[float, float]) -> list[float]:  # fmt: skip
    """Push ``stories`` in ``len(steps) + 1`` chunks; after each chunk but the last, once the state worker has
    assigned something since the chunk went out, wait a random ``pause_s`` and run the next step (a fault). Returns
    the wall time of each fault."""
    times: list[float] = []
    for i, chunk in enumerate(_chunks(stories, len(steps) + 1)):
        before = tail.count()
        case.pusher.push(chunk)
        if i == len(steps):
            break
        tail.wait_for_more(before, 120.0, case.supervise)  # the state worker has work in hand
        time.sleep(rng.uniform(*pause_s))
        times.append(time.time())
        steps[i]()
    return times


def state_killed(rng: random.Random, sizes: StateSizes | None = None) -> Callable[[Case], None]:
    """kill -9 the state worker mid-stream ``sizes.kills`` times (a new one started each time)."""
    sizes = sizes or StateSizes()

    def kill_and_restart(case: Case) -> None:
        case.current.kill9()  # type: ignore[union-attr]
        case.start("state-after-kill", role="state")

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.stories, tag=f"state{rng.random():.6f}"))
        case.start("enrich")
        case.start("state", role="state")
        tail = AssignmentTail(case.settings)
        try:
            kills = faults_mid_stream(case, tail, stories, [partial(kill_and_restart, case)] * sizes.kills, rng, (0.5, 3.0))
            case.details["killed_after_assignments"] = len(kills)
            check_state(case, tail, stories, kills, sizes)
        finally:
            tail.close()

    return body


def state_rebalanced(rng: random.Random, sizes: StateSizes | None = None) -> Callable[[Case], None]:
    """Two state workers, a third joins, then the first two leave (SIGTERM): three rebalances mid-stream."""
    sizes = sizes or StateSizes()

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.stories, tag=f"staterb{rng.random():.6f}"))
        case.start("enrich")
        first, second = case.start("state-a", role="state"), case.start("state-b", role="state")
        tail = AssignmentTail(case.settings)
        steps: list[Callable[[], object]] = [
            lambda: case.start("state-c", role="state"),
            lambda: first.terminate(timeout_s=30),
            lambda: second.terminate(timeout_s=30),
        ]
        try:
            check_state(case, tail, stories, faults_mid_stream(case, tail, stories, steps, rng, (0.5, 2.0)), sizes)
        finally:
            tail.close()

    return body
