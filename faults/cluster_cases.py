"""Cluster fault cases (``make faults ARGS=--cluster``): faults only a replicated cluster has.

They run on a local 3-node KRaft cluster of their own (:mod:`streams.kafka.cluster`: combined broker+controller
nodes, replication factor 3, ``min.insync.replicas=2``) under ``.wirestream/kafka-faults/cluster-<port>``, ports
19292..19297 by default; node 3's log dir is a small tmpfs mount (root only) for the disk-full case. Each case pushes
known stories with an idempotent ``acks=all`` producer, injects its fault under load and is reconciled like the
single-broker cases (:func:`faults.reconcile.reconcile`). ``recover_s`` is the time from the fault until the group's
lag on the raw topic is under :attr:`ClusterSizes.recover_lag` with commits progressing again.

Cases: ``leader_kill9`` (kill -9 of the node leading most raw partitions, restarted later), ``rolling_restart``
(each node SIGTERMed and restarted in turn, waiting for full ISR in between), ``log_dir_full`` (node 3's tmpfs
filled up until that node fails, then freed and the node restarted), ``workers_1_3_1`` (two more workers join and
leave), ``quorum_member_lost`` (kill -9 of the active KRaft controller; a topic is created while it is down).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from faults.cases import Case, CaseResult, as_outgoing, enriched_total
from faults.env import FAULTS_HOME, FaultEnv
from faults.reconcile import OutputReader, Pusher
from faults.report import CLUSTER_COLUMNS, run_cases, write_report
from faults.stories import valid_stories
from streams.config import Settings
from streams.kafka import admin as kafka_admin
from streams.kafka import cluster
from streams.kafka import local as kafka_local
from streams.kafka.admin import ensure_topics

DEFAULT_BASE_PORT = 19292
TMPFS_NODE = 3


@dataclass
class ClusterSizes:
    """How big each cluster case is (the defaults fit the five cases in about 15 minutes on 2 cores)."""

    leader_stories: int = 240
    leader_push_s: float = 40.0
    leader_down_s: float = 15.0
    rolling_stories: int = 300
    rolling_push_s: float = 75.0
    disk_stories: int = 240
    disk_push_s: float = 40.0
    disk_tmpfs_mib: int = 192
    disk_full_wait_s: float = 45.0
    scale_stories: int = 300
    scale_push_s: float = 60.0
    scale_hold_s: float = 15.0
    quorum_stories: int = 200
    quorum_push_s: float = 30.0
    quorum_down_s: float = 15.0
    recover_lag: int = 100
    leader_recover_target_s: float = 30.0
    case_timeout_s: float = 300.0


# ---------------------------------------------------------------------------------------------- environment


def cluster_settings(base_port: int = DEFAULT_BASE_PORT, home: Path = FAULTS_HOME, partitions: int = 4) -> cluster.ClusterSpec:
    """The fault cluster's spec (jars from the default home's cache)."""
    settings = Settings().model_copy(update={"home": home, "partitions": partitions})
    return cluster.ClusterSpec.of(settings, base_port=base_port, jars_home=Settings().home)


def is_mounted(path: Path) -> bool:
    target = str(path.resolve())
    with open("/proc/mounts", encoding="utf-8") as mounts:
        return any(line.split()[1] == target for line in mounts)


class ClusterFaultEnv(FaultEnv):
    """The fault cluster plus the workers started on it; :meth:`close` stops them all and unmounts the tmpfs."""

    def __init__(self, spec: cluster.ClusterSpec, logs: Path, *, tmpfs_mib: int | None = 192) -> None:
        super().__init__(spec.client_settings(), logs, jars_home=spec.jars_home)
        self.spec = spec
        self.tmpfs_mib = tmpfs_mib
        self.tmpfs: Path | None = None  # node TMPFS_NODE's data dir, when mounted
        self.tmpfs_error: str | None = None

    def start_broker(self, wait_s: float = 180) -> None:
        if self.fresh and not any(s.running for s in cluster.status(self.spec)):
            cluster.destroy(self.spec)
        if self.tmpfs_mib:
            self._mount()
        info = cluster.up(self.spec, wait_s=wait_s, topics=())
        self.started_broker = self.started_broker or bool(info.started)

    def _mount(self) -> None:
        data = self.spec.paths(TMPFS_NODE).data
        data.mkdir(parents=True, exist_ok=True)
        if is_mounted(data):
            self.tmpfs = data
            return
        cluster.clear_dir(data)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.tmpfs_mib}m,mode=0755", "tmpfs", str(data)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode == 0:
            self.tmpfs = data
        else:
            self.tmpfs_error = f"cannot mount a tmpfs on {data} (root needed): {done.stderr.strip()}"

    def stop_broker(self) -> None:
        cluster.down(self.spec)

    def restart_broker(self, down_s: float) -> None:
        cluster.down(self.spec)
        time.sleep(down_s)
        cluster.up(self.spec, wait_s=180, topics=())

    def close(self) -> None:
        started, self.started_broker = self.started_broker, False  # FaultEnv.close would stop a single broker
        super().close()
        if started:
            cluster.down(self.spec)
        if self.tmpfs is not None:
            subprocess.run(["umount", str(self.tmpfs)], capture_output=True, check=False)
            self.tmpfs = None


def idempotent_pusher(case: Case) -> Pusher:
    """Replace the case's pusher with one whose producer is idempotent, ``acks=all`` and retries until its
    delivery timeout (a leader change takes a broker session timeout, longer than a few quick retries), and its
    output reader with one made once every node knows the case's topics (else it may assign no partitions)."""
    settings = case.settings
    case.reader.close()
    cluster.wait_topics_everywhere(_spec(case), [settings.topic_raw, settings.topic_enriched, settings.topic_deadletter])
    case.reader = OutputReader(settings)
    case.pusher.close()
    pusher = Pusher(case.settings)
    pusher.producer.close(timeout=5)
    pusher.producer = KafkaProducer(
        acks="all", enable_idempotence=True, linger_ms=5, retries=2**31 - 1, delivery_timeout_ms=120_000,
        max_in_flight_requests_per_connection=5, request_timeout_ms=15_000, max_block_ms=60_000,
        max_request_size=max(case.settings.max_message_bytes * 20, 1_048_576), **case.settings.kafka_client_config(),
    )  # fmt: skip
    case.pusher = pusher
    return pusher


class LagWatch:
    """Samples (time, lag, committed) of the case's group on its raw topic about once a second, in a thread."""

    def __init__(self, settings: Settings, interval_s: float = 1.0) -> None:
        self.settings, self.interval_s = settings, interval_s
        self.samples: list[tuple[float, int | None, int | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag-watch", daemon=True)

    def __enter__(self) -> LagWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def sample(self) -> tuple[int | None, int | None]:
        try:
            with kafka_admin.quiet_kafka_logs():
                ends = kafka_admin.end_offsets(self.settings, self.settings.topic_raw, timeout_s=5)
                done = kafka_admin.committed_offsets(self.settings, self.settings.app_id, self.settings.topic_raw, timeout_s=5)
        except Exception:  # noqa: BLE001 - a node down may fail a sample: it counts as unknown
            return None, None
        return sum(max(e - done.get(p, 0), 0) for p, e in ends.items()), sum(done.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            lag, committed = self.sample()
            self.samples.append((time.monotonic(), lag, committed))
            self._stop.wait(self.interval_s)

    def recovered_after(self, t_fault: float, threshold: int) -> float | None:
        """Seconds from ``t_fault`` until lag < ``threshold`` with commits beyond those at the fault (None: never)."""
        before = [c for t, _l, c in self.samples if t <= t_fault and c is not None]
        at_fault = before[-1] if before else 0
        for t, lag, committed in self.samples:
            if t > t_fault and lag is not None and committed is not None and lag < threshold and (committed > at_fault or lag == 0):
                return round(t - t_fault, 1)
        return None

    @property
    def max_lag(self) -> int:
        return max((lag for _t, lag, _c in self.samples if lag is not None), default=0)


def _spec(case: Case) -> cluster.ClusterSpec:
    env = case.env
    assert isinstance(env, ClusterFaultEnv), "cluster cases need a ClusterFaultEnv"
    return env.spec


def wait_enriched(case: Case, count: int, timeout_s: float = 180) -> None:
    """Read outputs (supervising the worker) until at least ``count`` enriched events arrived."""
    deadline = time.monotonic() + timeout_s
    while len(case.reader.outputs.enriched) < count and time.monotonic() < deadline:
        case.reader.poll(0.3)
        case.supervise()


def wait_leaders_off(settings: Settings, node_id: int, topics: Sequence[str], timeout_s: float = 90) -> float | None:
    """Seconds until every partition of ``topics`` has a leader other than ``node_id`` (None: not within timeout)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        with suppress(Exception):
            states = cluster.partitions(settings, topics, timeout_s=5)
            if states and all(p.leader >= 0 and p.leader != node_id for p in states):
                return round(time.monotonic() - t0, 1)
        time.sleep(0.2)
    return None


def _finish(case: Case, sizes: ClusterSizes, watch: LagWatch, faults: Sequence[float]) -> None:
    case.pusher.join()
    case.wait(sizes.case_timeout_s)
    recovered = [watch.recovered_after(t, sizes.recover_lag) for t in faults]
    case.details["recover_s"] = max((r for r in recovered if r is not None), default=None) if all(r is not None for r in recovered) else None
    case.details["max_lag"] = watch.max_lag
    case.checks[f"lag back under {sizes.recover_lag} after every fault"] = all(r is not None for r in recovered)


# ----------------------------------------------------------------------------------------------------- cases


def leader_kill9(sizes: ClusterSizes) -> Callable[[Case], None]:
    """kill -9 the node leading most raw partitions mid-stream; restart it after ``leader_down_s``."""

    def body(case: Case) -> None:
        spec, settings = _spec(case), case.settings
        idempotent_pusher(case)
        stories = as_outgoing(valid_stories(sizes.leader_stories, tag=f"leader{time.time_ns()}"))
        case.start()
        with LagWatch(settings) as watch:
            case.pusher.pace(stories, rate_per_s=max(sizes.leader_stories / sizes.leader_push_s, 2.0))
            wait_enriched(case, sizes.leader_stories // 5)
            victim, led = cluster.leader_counts(settings, settings.topic_raw).most_common(1)[0]
            t_fault = time.monotonic()
            cluster.stop_node(spec, victim, kill=True)
            back = wait_leaders_off(settings, victim, [settings.topic_raw, settings.topic_enriched])
            time.sleep(max(0.0, sizes.leader_down_s - (time.monotonic() - t_fault)))
            cluster.start_node(spec, victim)
            case.details.update(victim=victim, victim_led_raw_partitions=led, leaders_moved_s=back,
                                isr_full_after_restart_s=round(cluster.wait_in_sync(settings, 120), 1))  # fmt: skip
            _finish(case, sizes, watch, [t_fault])
        target = sizes.leader_recover_target_s
        case.checks[f"leaders moved within {target:.0f} s"] = back is not None and back <= target
        case.checks[f"leader loss recovered within {target:.0f} s"] = (case.details["recover_s"] or 1e9) <= target

    return body


def rolling_restart(sizes: ClusterSizes) -> Callable[[Case], None]:
    """SIGTERM and restart every node in turn under load, waiting for a full ISR before the next one."""

    def body(case: Case) -> None:
        spec, settings = _spec(case), case.settings
        idempotent_pusher(case)
        stories = as_outgoing(valid_stories(sizes.rolling_stories, tag=f"rolling{time.time_ns()}"))
        worker = case.start()
        faults: list[float] = []
        restarts: dict[int, float] = {}
        with LagWatch(settings) as watch:
            case.pusher.pace(stories, rate_per_s=max(sizes.rolling_stories / sizes.rolling_push_s, 2.0))
            wait_enriched(case, sizes.rolling_stories // 10)
            for node in spec.nodes:
                faults.append(time.monotonic())
                cluster.stop_node(spec, node.node_id)
                cluster.start_node(spec, node.node_id)
                cluster.wait_in_sync(settings, 120)
                restarts[node.node_id] = round(time.monotonic() - faults[-1], 1)
                case.reader.poll(0.2)
            case.details["restart_to_full_isr_s"] = restarts
            case.details["pushing_during_whole_roll"] = case.pusher.pacing
            _finish(case, sizes, watch, faults)
        case.checks["same worker process throughout"] = worker.alive and case.current is worker

    return body


def log_dir_full(sizes: ClusterSizes) -> Callable[[Case], None]:
    """Fill node 3's tmpfs log dir under load until the node fails (or ``disk_full_wait_s``), free it, restart."""

    def body(case: Case) -> None:
        env = case.env
        assert isinstance(env, ClusterFaultEnv)
        if env.tmpfs is None:
            raise RuntimeError(env.tmpfs_error or "node 3's log dir is not a tmpfs mount")
        spec, settings = env.spec, case.settings
        idempotent_pusher(case)
        stories = as_outgoing(valid_stories(sizes.disk_stories, tag=f"disk{time.time_ns()}"))
        case.start()
        filler = env.tmpfs / "filler.bin"
        with LagWatch(settings) as watch:
            case.pusher.pace(stories, rate_per_s=max(sizes.disk_stories / sizes.disk_push_s, 2.0))
            wait_enriched(case, sizes.disk_stories // 5)
            stat = os.statvfs(env.tmpfs)
            free = stat.f_bavail * stat.f_frsize
            t_fault = time.monotonic()
            with open(filler, "wb") as out:  # leave 256 KiB: the next segment writes fail
                os.posix_fallocate(out.fileno(), 0, max(free - 256 * 1024, 0))
            pid = cluster.node_pid(spec, TMPFS_NODE)
            died = None
            while time.monotonic() - t_fault < sizes.disk_full_wait_s:
                if cluster.node_pid(spec, TMPFS_NODE) is None:
                    died = round(time.monotonic() - t_fault, 1)
                    break
                case.reader.poll(0.5)
                case.supervise()
            log = spec.paths(TMPFS_NODE).logs / "server.log"
            failure = [line for line in kafka_local._tail(log, 200_000).splitlines() if "No space left" in line or "failed" in line.lower()]
            if died is None and pid is not None:
                cluster.stop_node(spec, TMPFS_NODE)  # still serving (nothing written?): stop it to restart it clean
            filler.unlink()
            cluster.start_node(spec, TMPFS_NODE)
            case.details.update(free_before_fill_mib=free // 2**20, node_failed_after_s=died,
                                broker_log=failure[:2], isr_full_after_restart_s=round(cluster.wait_in_sync(settings, 180), 1))  # fmt: skip
            _finish(case, sizes, watch, [t_fault])
        case.checks["the full log dir failed its node"] = died is not None

    return body


def workers_1_3_1(sizes: ClusterSizes) -> Callable[[Case], None]:
    """Workers 1 -> 3 -> 1 under load: two join at once, work for ``scale_hold_s``, and leave."""

    def body(case: Case) -> None:
        settings = case.settings
        idempotent_pusher(case)
        stories = as_outgoing(valid_stories(sizes.scale_stories, tag=f"scale{time.time_ns()}"))
        first = case.start()
        with LagWatch(settings) as watch:
            case.pusher.pace(stories, rate_per_s=max(sizes.scale_stories / sizes.scale_push_s, 2.0))
            wait_enriched(case, sizes.scale_stories // 10)
            t_up = time.monotonic()
            extra = []
            for n in (2, 3):
                home = FAULTS_HOME / f"cluster-worker-{n}"
                home.mkdir(parents=True, exist_ok=True)
                worker = case.env.start_worker(settings.model_copy(update={"home": home}), f"{case.name}-worker{n}")
                case.workers.append(worker)
                extra.append(worker)
            time.sleep(sizes.scale_hold_s)
            case.reader.poll(0.5)
            by_extra = [enriched_total(w) for w in extra]
            t_down = time.monotonic()
            codes = [w.terminate(timeout_s=60) for w in extra]
            case.details.update(enriched_by_joiners=by_extra, joiners_exit_codes=codes, scale_up_s=round(t_down - t_up, 1))
            _finish(case, sizes, watch, [t_up, t_down])
        case.checks["the joiners took partitions and enriched"] = sum(by_extra) > 0
        case.checks["the joiners left cleanly"] = codes == [0, 0]
        case.checks["first worker stayed up"] = first.alive and case.current is first

    return body


def quorum_member_lost(sizes: ClusterSizes) -> Callable[[Case], None]:
    """kill -9 the active KRaft controller (its broker goes too, combined mode); the other two elect a new one and
    keep committing metadata (a topic is created meanwhile); restart it after ``quorum_down_s``."""

    def body(case: Case) -> None:
        spec, settings = _spec(case), case.settings
        idempotent_pusher(case)
        stories = as_outgoing(valid_stories(sizes.quorum_stories, tag=f"quorum{time.time_ns()}"))
        case.start()
        probe = f"{settings.topic_raw}.quorum-probe"
        with LagWatch(settings) as watch:
            case.pusher.pace(stories, rate_per_s=max(sizes.quorum_stories / sizes.quorum_push_s, 2.0))
            wait_enriched(case, sizes.quorum_stories // 5)
            victim = cluster.active_controller(spec)
            if victim is None:
                raise RuntimeError("no active controller found in the nodes' quorum-state files")
            t_fault = time.monotonic()
            cluster.stop_node(spec, victim, kill=True)
            survivors = [n.node_id for n in spec.nodes if n.node_id != victim]
            new_leader, failover = None, None
            while time.monotonic() - t_fault < 60:
                new_leader = cluster.active_controller(spec, among=survivors)
                if new_leader is not None and new_leader != victim:
                    failover = round(time.monotonic() - t_fault, 1)
                    break
                time.sleep(0.2)
            t_meta = time.monotonic()
            ensure_topics(settings.model_copy(update={"replication_factor": 2}), [probe], timeout_s=60)
            case.details.update(victim=victim, new_controller=new_leader, controller_failover_s=failover,
                                topic_created_without_it_s=round(time.monotonic() - t_meta, 1))  # fmt: skip
            time.sleep(max(0.0, sizes.quorum_down_s - (time.monotonic() - t_fault)))
            cluster.start_node(spec, victim)
            case.details["isr_full_after_restart_s"] = round(cluster.wait_in_sync(settings, 120), 1)
            _finish(case, sizes, watch, [t_fault])
        with suppress(Exception):
            kafka_admin.delete_topics(settings, [probe])
        target = sizes.leader_recover_target_s
        case.checks[f"new controller within {target:.0f} s"] = failover is not None and failover <= target
        case.checks[f"recovered within {target:.0f} s"] = (case.details["recover_s"] or 1e9) <= target

    return body


def cluster_cases(sizes: ClusterSizes) -> list[tuple[str, Callable[[Case], None], dict[str, Any]]]:
    """(name, body, settings overrides) of every cluster case, in run order."""
    return [
        ("leader_kill9", leader_kill9(sizes), {}),
        ("rolling_restart", rolling_restart(sizes), {}),
        ("log_dir_full", log_dir_full(sizes), {}),
        ("workers_1_3_1", workers_1_3_1(sizes), {}),
        ("quorum_member_lost", quorum_member_lost(sizes), {}),
    ]


# ------------------------------------------------------------------------------------------------ reporting

def summary_line(results: Sequence[CaseResult], total: int) -> str:
    recovers = [r.details.get("recover_s") for r in results]
    worst = max((x for x in recovers if x is not None), default=0.0)
    return (f"cluster: lost={sum(r.rec.lost for r in results)} crashes={sum(r.crashes for r in results)} "
            f"max_recover_s={worst:.1f} cases={sum(1 for r in results if r.passed)}/{total}")  # fmt: skip


def run(only: Sequence[str] | None, out: Path, *, base_port: int = DEFAULT_BASE_PORT,
        sizes: ClusterSizes | None = None, say: Callable[[str], None] = print) -> int:
    """Start the fault cluster, run the cluster cases (``only`` those named), print the table; 0 if all passed."""
    sizes = sizes or ClusterSizes()
    cases = [c for c in cluster_cases(sizes) if not only or c[0] in only]
    logs = FAULTS_HOME / "logs" / f"cluster-{time.strftime('%Y%m%dT%H%M%S')}"
    logs.mkdir(parents=True, exist_ok=True)
    env = ClusterFaultEnv(cluster_settings(base_port), logs, tmpfs_mib=sizes.disk_tmpfs_mib)
    def note_tmpfs() -> None:
        if env.tmpfs_error:
            say(f"  note: {env.tmpfs_error}")

    results = run_cases(env, cases, f"Starting the 3-node fault cluster at {env.spec.bootstrap} (logs: {logs}) ...",
                        title="cluster fault cases", columns=CLUSTER_COLUMNS, after_start=note_tmpfs, say=say)  # fmt: skip
    write_report(out, sizes, results)
    say(summary_line(results, len(cases)))
    return 0 if results and len(results) == len(cases) and all(r.passed for r in results) else 1
