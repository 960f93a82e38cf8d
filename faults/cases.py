"""The fault cases of ``make faults`` (the state worker's are in :mod:`faults.state_cases`): each pushes known
stories, injects one fault, and reconciles.

Every case gets its own topics and consumer group on the fault broker (:mod:`faults.env`) and ends with
:func:`faults.reconcile.reconcile`. A worker that exits without being told to counts as a crash; the case then
restarts it (like a supervisor would) so that losses can still be measured.
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from faults.env import FAULTS_HOME, FaultEnv, case_settings, committed_offsets, drop_case_topics, group_lag
from faults.poison import poison
from faults.reconcile import Expect, Outgoing, OutputReader, Pusher, Reconciliation, reconcile, wait_accounted
from faults.stories import ValidStory, valid_stories
from streams.cli.harness import WorkerProcess
from streams.config import Settings
from streams.ingest import IngestLimits

MiB = 1024 * 1024


@dataclass
class Sizes:
    """How big each case is (the defaults fit `make faults` in under 15 minutes on 2 cores)."""

    kill_stories: int = 240
    kills: int = 3
    kill_push_s: float = 40.0
    broker_stories: int = 200
    broker_down_s: float = 8.0
    rebalance_stories: int = 240
    rebalance_push_s: float = 45.0
    poison_bad: int = 10_000
    poison_valid: int = 300
    overload_factor: float = 10.0
    overload_burst_s: float = 20.0
    overload_rss_growth_mib: int = 1024
    graceful_stories: int = 200
    stage_stories: int = 96
    stage_timeout_s: float = 15.0
    case_timeout_s: float = 420.0


@dataclass
class CaseResult:
    """Outcome of one case."""

    name: str
    rec: Reconciliation
    crashes: int = 0
    seconds: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.rec.ok and self.crashes == 0 and all(self.checks.values())


def as_outgoing(stories: Sequence[ValidStory]) -> list[Outgoing]:
    """Valid stories expected on the enriched topic."""
    return [Outgoing(s.story_id.encode(), s.value, Expect("enriched", s.source_format, story_id=s.story_id, body=s.body)) for s in stories]


class Case:
    """One case's topics, pusher, output reader and workers."""

    def __init__(self, env: FaultEnv, name: str, **overrides: Any) -> None:
        self.env = env
        self.name = name
        self.settings: Settings = case_settings(env.base, name, **overrides)
        self.pusher = Pusher(self.settings)
        self.reader = OutputReader(self.settings)
        self.workers: list[WorkerProcess] = []
        self.current: WorkerProcess | None = None
        self.crashes = 0
        self.details: dict[str, Any] = {}
        self.checks: dict[str, bool] = {}

    def start(self, tag: str = "w", **overrides: Any) -> WorkerProcess:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        worker = self.env.start_worker(settings, f"{self.name}-{tag}{len(self.workers)}")
        self.workers.append(worker)
        self.current = worker
        return worker

    def supervise(self) -> None:
        """Restart a worker that died on its own (counted as a crash) or asked for a restart (counted apart), like
        a supervisor would, with the same role."""
        if self.current is not None and (self.current.crashed or self.current.wants_restart):
            if self.current.crashed:
                self.crashes += 1
            else:
                self.details["restarts_asked"] = self.details.get("restarts_asked", 0) + 1
            self.current.stopped = True
            self.start("restarted", role=self.current.settings.role)

    def wait(self, timeout_s: float, on_tick: Callable[[], None] | None = None) -> bool:
        def tick() -> None:
            self.supervise()
            if on_tick:
                on_tick()

        done = wait_accounted(self.reader, self.pusher.sent, timeout_s=timeout_s, on_tick=tick)
        self.checks["all accounted in time"] = done
        return done

    def result(self) -> Reconciliation:
        self.supervise()
        self.crashes += sum(1 for w in self.workers if w.crashed and w is not self.current)
        return reconcile(self.pusher.sent, self.reader.outputs)

    def close(self) -> None:
        for worker in self.workers:
            if worker.alive:
                worker.terminate(timeout_s=30)
        self.reader.close()
        self.pusher.close()
        drop_case_topics(self.settings)


#: (name, body, settings overrides) of one case.
CaseSpec = tuple[str, Callable[[Case], None], dict[str, Any]]


def run_case(env: FaultEnv, name: str, body: Callable[[Case], None], say: Callable[[str], None], **overrides: Any) -> CaseResult:
    """Run ``body`` in a fresh :class:`Case`; whatever happens, its workers and topics are cleaned up."""
    start = time.monotonic()
    case: Case | None = None
    say(f"--- case {name}")
    try:
        case = Case(env, name, **overrides)
        body(case)
        rec = case.result()
        result = CaseResult(name, rec, case.crashes, checks=case.checks, details=case.details)
    except Exception as exc:  # noqa: BLE001 - one broken case must not stop the others
        rec = case.result() if case is not None else Reconciliation()
        result = CaseResult(name, rec, case.crashes if case else 0, error=f"{type(exc).__name__}: {exc}")
        say(traceback.format_exc(limit=4))
    finally:
        if case is not None:
            try:
                case.close()
            except Exception as exc:  # noqa: BLE001
                say(f"cleanup of {name} failed: {exc!r}")
    result.seconds = time.monotonic() - start
    for problem in result.rec.problems[:8]:
        say(f"  problem: {problem}")
    for check, ok in result.checks.items():
        if not ok:
            say(f"  failed check: {check}")
    if result.details:
        say(f"  details: {result.details}")
    say(f"  {'PASS' if result.passed else 'FAIL'} in {result.seconds:.0f}s")
    return result


# ---------------------------------------------------------------------------------------------------- the cases


def enriched_total(worker: WorkerProcess) -> int:
    """``wirestream_stories_enriched_total`` of a running worker (0 if its metrics are unreachable)."""
    return int(worker.metrics().total("wirestream_stories_enriched_total"))


def kill_mid_stream(case: Case, rng: random.Random, kills: int, restart: Callable[[], object] | None = None) -> list[int]:
    """kill -9 the case's current worker ``kills`` times, each at a random point mid-processing, starting a new one
    after each kill; returns the enriched count at each kill.

    A kill waits until the worker has published something (after a kill -9 the group waits for the dead member's
    session to expire before the new one gets partitions).
    """
    counts = []
    for _ in range(kills):
        before = len(case.reader.outputs.enriched)
        deadline = time.monotonic() + 120
        while len(case.reader.outputs.enriched) == before and time.monotonic() < deadline:
            case.reader.poll(0.2)
        time.sleep(rng.uniform(0.5, 4.0))
        case.reader.poll(0.2)
        counts.append(len(case.reader.outputs.enriched))
        case.current.kill9()  # type: ignore[union-attr]
        if restart is None:
            case.start("after-kill")
        else:
            restart()
    return counts


def worker_killed(sizes: Sizes, rng: random.Random) -> Callable[[Case], None]:
    """kill -9 the worker (and its enrichment child) at random points mid-stream, restart it each time."""

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.kill_stories, tag=f"kill{rng.random():.6f}"))
        case.start()
        case.pusher.pace(stories, rate_per_s=max(sizes.kill_stories / sizes.kill_push_s, 2.0))
        case.details["kills_at_enriched"] = kill_mid_stream(case, rng, sizes.kills)
        case.pusher.join()
        case.wait(sizes.case_timeout_s)

    return body


def broker_restart(sizes: Sizes) -> Callable[[Case], None]:
    """Stop and restart the broker while the worker has a backlog; it must reconnect by itself."""

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.broker_stories, tag=f"broker{time.time_ns()}"))
        half = len(stories) // 2
        worker = case.start()
        case.pusher.push(stories[:half])
        time.sleep(1.0)
        case.reader.poll(0.5)
        case.details["enriched_before_restart"] = len(case.reader.outputs.enriched)
        t0 = time.monotonic()
        case.env.restart_broker(sizes.broker_down_s)
        case.details["broker_outage_s"] = round(time.monotonic() - t0, 1)
        case.pusher.push(stories[half:])
        case.wait(sizes.case_timeout_s)
        case.checks["same worker process throughout (no crash loop)"] = worker.alive and case.current is worker

    return body


def rebalance(sizes: Sizes) -> Callable[[Case], None]:
    """A second worker joins the group mid-stream, then leaves again."""

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.rebalance_stories, tag=f"rebalance{time.time_ns()}"))
        first = case.start()
        case.pusher.pace(stories, rate_per_s=max(sizes.rebalance_stories / sizes.rebalance_push_s, 2.0))
        time.sleep(5.0)
        home = FAULTS_HOME / "second-worker"
        home.mkdir(parents=True, exist_ok=True)  # Faust creates only the last level of its datadir
        second = case.env.start_worker(case.settings.model_copy(update={"home": home}), f"{case.name}-second")
        case.workers.append(second)
        time.sleep(10.0)
        case.reader.poll(0.5)
        case.details["enriched_when_second_leaves"] = len(case.reader.outputs.enriched)
        by_second = enriched_total(second)
        case.details["enriched_by_second"] = by_second
        case.checks["second worker took partitions and enriched"] = by_second > 0
        code = second.terminate(timeout_s=60)
        case.checks["second worker left cleanly"] = code == 0
        case.pusher.join()
        case.wait(sizes.case_timeout_s)
        case.checks["first worker stayed up"] = first.alive and case.current is first

    return body


def poison_input(sizes: Sizes, seed: int) -> Callable[[Case], None]:
    """Thousands of generated bad messages mixed with valid stories."""

    def body(case: Case) -> None:
        mix = poison(sizes.poison_bad, seed=seed, limits=IngestLimits.from_settings(case.settings))
        good = as_outgoing(valid_stories(sizes.poison_valid, tag=f"poison{seed}.{time.time_ns()}"))
        messages = mix.messages + good
        random.Random(seed).shuffle(messages)
        case.details["mix"] = dict(mix.by_category)
        case.details["expected_reasons"] = dict(mix.by_reason)
        if mix.accepted:
            case.details["generated_but_accepted"] = dict(mix.accepted)
        case.checks["every category rejected for its own reasons"] = not mix.off_category
        if mix.off_category:
            case.details["off_category"] = dict(mix.off_category)
        case.start()
        t0 = time.monotonic()
        for i in range(0, len(messages), 500):
            case.pusher.push(messages[i : i + 500])
        case.wait(sizes.case_timeout_s)
        elapsed = time.monotonic() - t0
        case.details["messages_per_s"] = round(len(messages) / elapsed, 1)
        case.details["poison"] = len(mix.messages)

    return body


def overload(sizes: Sizes) -> Callable[[Case], None]:
    """Measure the sustainable rate, then push 10x that for a burst: memory bounded, lag drains, nothing lost."""

    def body(case: Case) -> None:
        worker = case.start()
        calib = as_outgoing(valid_stories(64, tag=f"calib{time.time_ns()}"))
        t0 = time.monotonic()
        case.pusher.push(calib)
        case.wait(120)
        rate = len(calib) / (time.monotonic() - t0)
        burst_rate = rate * sizes.overload_factor
        count = int(burst_rate * sizes.overload_burst_s)
        burst = as_outgoing(valid_stories(count, tag=f"burst{time.time_ns()}"))
        baseline = worker.rss()
        peak = baseline
        samples: list[int] = []

        def sample() -> None:
            nonlocal peak
            rss = worker.rss()
            samples.append(rss)
            peak = max(peak, rss)

        t1 = time.monotonic()
        case.pusher.pace(burst, rate_per_s=burst_rate, chunk=max(int(burst_rate / 4), 1))
        while case.pusher.pacing:
            sample()
            time.sleep(1.0)
        case.pusher.join()
        burst_s = time.monotonic() - t1
        case.wait(sizes.case_timeout_s + 12 * sizes.overload_burst_s, on_tick=sample)
        drain_s = time.monotonic() - t1
        deadline = time.monotonic() + 30
        while (lag := group_lag(case.settings)) > 0 and time.monotonic() < deadline:
            time.sleep(1.0)
        case.details.update(
            sustainable_per_s=round(rate, 1), burst_per_s=round(burst_rate, 1), burst_messages=count,
            burst_s=round(burst_s, 1), drained_after_s=round(drain_s, 1), final_lag=lag,
            rss_baseline_mib=baseline // MiB, rss_peak_mib=peak // MiB,
        )  # fmt: skip
        case.checks["lag drained to 0"] = lag == 0
        case.checks[f"memory bounded (peak <= baseline + {sizes.overload_rss_growth_mib} MiB)"] = peak <= baseline + sizes.overload_rss_growth_mib * MiB

    return body


def graceful_shutdown(sizes: Sizes) -> Callable[[Case], None]:
    """SIGTERM mid-processing: commits only what was published; the restart re-enriches at most the in-flight batch."""

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.graceful_stories, tag=f"graceful{time.time_ns()}"))
        worker = case.start()
        case.pusher.push(stories)
        deadline = time.monotonic() + 180
        while len(case.reader.outputs.enriched) < len(stories) // 3 and time.monotonic() < deadline:
            case.reader.poll(0.2)
        t0 = time.monotonic()
        code = worker.terminate(timeout_s=60)
        case.details["exit_code"], case.details["stop_s"] = code, round(time.monotonic() - t0, 1)
        case.checks["exits 0 on SIGTERM"] = code == 0
        committed = committed_offsets(case.settings)
        while case.reader.poll(1.0):
            pass
        published = {(e["wirestream"]["source"]["partition"], e["wirestream"]["source"]["offset"]) for _k, e in case.reader.outputs.enriched}
        before = len(case.reader.outputs.enriched)
        committed_unpublished = sum(1 for s in case.pusher.sent if s.offset < committed.get(s.partition, 0) and (s.partition, s.offset) not in published)
        published_uncommitted = sum(1 for p, o in published if o >= committed.get(p, 0))
        case.details.update(enriched_before_stop=before, committed_not_published=committed_unpublished, published_not_committed=published_uncommitted)
        case.checks["commits nothing that was not published"] = committed_unpublished == 0
        case.start("restarted")
        case.wait(sizes.case_timeout_s)
        rec = reconcile(case.pusher.sent, case.reader.outputs)
        batch = case.settings.batch_size
        case.details["re_enriched"] = rec.duplicates
        case.checks[f"re-enriched <= in-flight batch ({batch})"] = rec.duplicates <= batch

    return body


STAGE_MARKERS = {"raise": "WSFAULTRAISE", "sleep": "WSFAULTSLEEP", "crash": "WSFAULTCRASH"}
STAGE_WRAPPER = "faults.inject:wrap"


def stage_fault_spec() -> str:
    """The fault rules the slow/failing-stage case runs its worker with."""
    m = STAGE_MARKERS
    return f"raise:topics:{m['raise']};sleep:stance:3600:{m['sleep']};crash:entities:{m['crash']}"


def stage_fault_overrides(timeout_s: float) -> dict[str, Any]:
    """Settings of the failing-stage case: :func:`faults.inject.wrap` around every stage, with
    :func:`stage_fault_spec`, and a time budget of ``timeout_s`` per batch (reach the worker as env)."""
    return {"stage_wrapper": STAGE_WRAPPER, "stage_wrapper_spec": stage_fault_spec(), "enrich_timeout_s": timeout_s}


def stage_expectations(count: int, tag: str) -> list[Outgoing]:
    """Valid stories; a few carry fault markers and are expected as ``enrich_failed`` dead letters with their stage."""
    plan = {7: "raise", 23: "raise", 41: "sleep", 58: "raise", 77: "crash"}
    plan = {i: kind for i, kind in plan.items() if i < count}
    stories = valid_stories(count, tag=tag, markers={i: STAGE_MARKERS[k] for i, k in plan.items()})
    stage = {"raise": "enrich.topics", "sleep": "enrich.timeout", "crash": "enrich.crash"}
    out = []
    for i, s in enumerate(stories):
        if i in plan:
            out.append(Outgoing(s.story_id.encode(), s.value, Expect("dead", f"fault_{plan[i]}", frozenset({"enrich_failed"}), stage[plan[i]], s.story_id)))
        else:
            out.extend(as_outgoing([s]))
    return out


def failing_stage(sizes: Sizes) -> Callable[[Case], None]:
    """A stage raises, hangs past the time budget, or kills the enrichment process for marked stories."""

    def body(case: Case) -> None:
        messages = stage_expectations(sizes.stage_stories, f"stage{time.time_ns()}")
        case.start()
        t0 = time.monotonic()
        case.pusher.push(messages)
        case.wait(sizes.case_timeout_s)
        case.details["seconds_to_account_all"] = round(time.monotonic() - t0, 1)

    return body


def all_cases(sizes: Sizes, seed: int, *, state: bool = False) -> list[CaseSpec]:
    """(name, body, settings overrides) of every case, in run order; ``state`` adds the state worker's cases."""
    from faults.state_cases import state_killed, state_rebalanced  # here: that module imports this one

    rng = random.Random(seed)
    return [
        ("worker_kill9", worker_killed(sizes, rng), {}),
        ("broker_restart", broker_restart(sizes), {}),
        ("rebalance", rebalance(sizes), {}),
        ("poison", poison_input(sizes, seed), {}),
        ("overload", overload(sizes), {}),
        ("graceful_sigterm", graceful_shutdown(sizes), {}),
        ("failing_stage", failing_stage(sizes), stage_fault_overrides(sizes.stage_timeout_s)),
        *([("state_kill9", state_killed(rng), {}), ("state_rebalance", state_rebalanced(rng), {})] if state else []),
    ]


def poison_fraction(results: Sequence[CaseResult]) -> float:
    """Share of the poison case's bad messages that reached the dead-letter topic with an expected reason."""
    for r in results:
        if r.name == "poison" and r.rec.expected_dead:
            return r.rec.dead_as_expected / r.rec.expected_dead
    return 0.0
