"""A local 3-node Apache Kafka 4.x KRaft cluster on loopback: ``python -m streams.kafka.cluster up|down|status``.

**Combined quorum**, as in ``deploy/docker-compose.yml``: every node is broker *and* controller
(``process.roles=broker,controller``) and the three form a static controller quorum (``controller.quorum.voters``),
so the cluster keeps serving with any one node (broker or controller) down. Topics get replication factor 3 and
``min.insync.replicas=2``: an ``acks=all`` write is on two nodes before it is acknowledged. Nodes run from the same
Maven-fetched jars as the single broker (:mod:`streams.kafka.local`), configured from
``deploy/kafka/cluster.properties`` (its settings are checked against compose by ``tests/unit/deploy``).

Ports from ``base_port`` (``--port``, default 9192): node n (1..3) listens PLAINTEXT on ``base + 2(n-1)`` and
CONTROLLER on ``base + 2(n-1) + 1``, i.e. 9192/9193, 9194/9195, 9196/9197. Layout under ``<home>/cluster-<base>/``::

    cluster.json        cluster id and bootstrap (the one id every node is formatted with)
    broker-<port>/      one node, laid out like a single broker (server.properties, kafka.pid, data/, logs/)

``up``/``down``/``status`` are idempotent like the single broker's: running nodes are reused, missing ones started.
Clients: ``WIRESTREAM_KAFKA_BOOTSTRAP=127.0.0.1:9192,127.0.0.1:9194,127.0.0.1:9196 WIRESTREAM_REPLICATION_FACTOR=3``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from kafka.errors import KafkaError

from streams.config import Settings
from streams.kafka import local
from streams.kafka.admin import admin_client, ensure_topics, quiet_kafka_logs

CLUSTER_PROPERTIES_TEMPLATE = local.DEPLOY_DIR / "cluster.properties"
DEFAULT_BASE_PORT = 9192
NODES = 3
REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2


@dataclass(frozen=True, slots=True)
class Node:
    """One node's id and loopback ports."""

    node_id: int
    port: int
    controller_port: int


@dataclass(frozen=True, eq=False)
class ClusterSpec:
    """Where a local cluster lives and listens; ``settings`` gives version, partitions and message limits."""

    settings: Settings
    home: Path
    base_port: int = DEFAULT_BASE_PORT
    size: int = NODES
    jars_home: Path | None = None  # jar cache (default: settings.home)

    @classmethod
    def of(cls, settings: Settings, *, base_port: int = DEFAULT_BASE_PORT, home: Path | None = None,
           jars_home: Path | None = None) -> ClusterSpec:
        """The cluster of ``settings.home`` on ``base_port`` (its files under ``home``, default ``<home>/cluster-<port>``)."""
        return cls(settings, home or settings.home / f"cluster-{base_port}", base_port, NODES, jars_home or settings.home)

    @property
    def nodes(self) -> list[Node]:
        return [Node(n, self.base_port + 2 * (n - 1), self.base_port + 2 * (n - 1) + 1) for n in range(1, self.size + 1)]

    def node(self, node_id: int) -> Node:
        return self.nodes[node_id - 1]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    @property
    def quorum_voters(self) -> str:
        return ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)

    def node_settings(self, node_id: int) -> Settings:
        """Settings addressing one node the way :mod:`streams.kafka.local` addresses a single broker."""
        node = self.node(node_id)
        return self.settings.model_copy(update={
            "home": self.home, "kafka_port": node.port, "kafka_controller_port": node.controller_port,
            "kafka_bootstrap": f"127.0.0.1:{node.port}", "kafka_security_protocol": "PLAINTEXT",
            "kafka_sasl_mechanism": None,
        })  # fmt: skip

    def paths(self, node_id: int) -> local.BrokerPaths:
        return local.BrokerPaths.of(self.node_settings(node_id), jars_home=self.jars_home)

    def client_settings(self, settings: Settings | None = None) -> Settings:
        """``settings`` (default: the spec's) pointed at every node, with replication factor 3 for new topics."""
        return (settings or self.settings).model_copy(update={
            "kafka_bootstrap": self.bootstrap, "kafka_security_protocol": "PLAINTEXT", "kafka_sasl_mechanism": None,
            "replication_factor": REPLICATION_FACTOR,
        })  # fmt: skip

    @property
    def state_file(self) -> Path:
        return self.home / "cluster.json"


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """A running, ready cluster."""

    bootstrap: str
    pids: dict[int, int]  # node id -> pid
    started: list[int]  # node ids started by this call (the others were running already)
    version: str
    home: Path
    topics: list[str] = field(default_factory=list)
    topics_created: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PartitionState:
    """Leader (-1: none), replicas and in-sync replicas of one partition."""

    topic: str
    partition: int
    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]

    @property
    def in_sync(self) -> bool:
        return self.leader >= 0 and set(self.isr) == set(self.replicas)


def render_node_properties(spec: ClusterSpec, node_id: int, template: str | None = None) -> str:
    """``deploy/kafka/cluster.properties`` for one node, ports, quorum and data dir filled in."""
    text = template if template is not None else CLUSTER_PROPERTIES_TEMPLATE.read_text(encoding="utf-8")
    node, settings = spec.node(node_id), spec.settings
    return Template(text).substitute(
        node_id=node.node_id,
        kafka_port=node.port,
        controller_port=node.controller_port,
        quorum_voters=spec.quorum_voters,
        data_dir=str(spec.paths(node_id).data),
        partitions=settings.partitions,
        message_max_bytes=max(local.MESSAGE_MAX_BYTES, settings.max_message_bytes * 2),
    )


@contextmanager
def _locked(spec: ClusterSpec) -> Iterator[None]:
    spec.home.mkdir(parents=True, exist_ok=True)
    with (spec.home / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cluster_id(spec: ClusterSpec) -> str:
    """The cluster's id, made (and every node's storage wiped) the first time."""
    with suppress(OSError, ValueError, KeyError):
        return str(json.loads(spec.state_file.read_text())["cluster_id"])
    for node in spec.nodes:
        clear_dir(spec.paths(node.node_id).data)
    cluster_id = local.new_cluster_id()
    spec.state_file.write_text(json.dumps({"cluster_id": cluster_id, "bootstrap": spec.bootstrap}) + "\n")
    return cluster_id


def clear_dir(path: Path) -> None:
    """Remove what ``path`` holds but keep ``path`` (it may be a mount point)."""
    if not path.is_dir():
        return
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _format(spec: ClusterSpec, node_id: int, cluster_id: str) -> None:
    paths, settings = spec.paths(node_id), spec.node_settings(node_id)
    if (paths.data / "meta.properties").is_file():
        return
    clear_dir(paths.data)
    cmd = local._java_cmd(paths, settings, local.STORAGE_TOOL, "format", "-t", cluster_id, "-c", str(paths.config))
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise local.BrokerError(f"formatting node {node_id} failed (rc={done.returncode}): {done.stdout}{done.stderr}")


def node_pid(spec: ClusterSpec, node_id: int) -> int | None:
    """Pid of the node's JVM if it runs (checked to be ours)."""
    return local._running_pid(spec.paths(node_id), spec.node_settings(node_id))


def _start_node(spec: ClusterSpec, node_id: int, cluster_id: str) -> tuple[int, bool]:
    """(pid, started): start the node unless it runs."""
    paths, settings = spec.paths(node_id), spec.node_settings(node_id)
    pid = node_pid(spec, node_id)
    if pid is not None:
        return pid, False
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.data.mkdir(parents=True, exist_ok=True)
    paths.pid_file.unlink(missing_ok=True)
    for port in (settings.kafka_port, settings.kafka_controller_port):
        if not local._wait_port_closed(port, timeout_s=10.0):
            raise local.BrokerError(f"port {port} of cluster node {node_id} is in use by another process")
    paths.config.write_text(render_node_properties(spec, node_id), encoding="utf-8")
    _format(spec, node_id, cluster_id)
    return local._start(paths, settings), True


def unfenced_brokers(settings: Settings, timeout_s: float = 5.0) -> set[int]:
    """Ids of the brokers the cluster reports registered and unfenced (empty if it does not answer)."""
    with quiet_kafka_logs():
        try:
            with admin_client(settings, timeout_s=timeout_s) as admin:
                cluster = admin.describe_cluster()
        except (KafkaError, OSError):
            return set()
    return {int(b["broker_id"]) for b in cluster["brokers"] if not b.get("is_fenced", False)}


def wait_brokers(spec: ClusterSpec, node_ids: Sequence[int], wait_s: float, pids: dict[int, int] | None = None) -> float:
    """Block until every one of ``node_ids`` is an unfenced broker; seconds waited. Raises if a started JVM exits."""
    t0 = time.monotonic()
    client = spec.client_settings()
    while True:
        for node_id, pid in (pids or {}).items():
            local._reap(pid)
            if not local._pid_alive(pid):
                paths = spec.paths(node_id)
                raise local.BrokerError(f"cluster node {node_id} exited during start-up; end of {paths.stdout}:\n"
                                        f"{local._tail(paths.stdout)}\nserver.log:\n{local._tail(paths.logs / 'server.log')}")
        if set(node_ids) <= unfenced_brokers(client):
            return time.monotonic() - t0
        if time.monotonic() - t0 > wait_s:
            raise local.BrokerError(f"cluster nodes {sorted(node_ids)} not all ready after {wait_s:.0f}s; see {spec.home}")
        time.sleep(0.5)


def up(spec: ClusterSpec, *, wait_s: float = 180, topics: Sequence[str] | None = None) -> ClusterInfo:
    """Start the nodes that are not running, wait until all are unfenced brokers, create ``topics`` (RF 3).

    ``topics`` default to every topic of :class:`streams.topics.Topics`; ``()`` creates none. Jars are fetched with
    mvn when missing; each node's storage is formatted once, with the cluster's one id. Returns once every node
    knows the topics.
    """
    with _locked(spec):
        local.fetch_jars(spec.settings, jars_home=spec.jars_home)
        cluster_id = _cluster_id(spec)
        pids: dict[int, int] = {}
        started: list[int] = []
        try:
            for node in spec.nodes:
                pids[node.node_id], fresh = _start_node(spec, node.node_id, cluster_id)
                if fresh:
                    started.append(node.node_id)
            wait_brokers(spec, [n.node_id for n in spec.nodes], wait_s, {n: pids[n] for n in started})
        except BaseException:
            stop_pids([pids[n] for n in started], timeout_s=10.0)
            raise
    ensured = ensure_topics(spec.client_settings(), topics)
    wait_topics_everywhere(spec, [*ensured.names, *ensured.internal])
    return ClusterInfo(spec.bootstrap, pids, started, spec.settings.kafka_version, spec.home, ensured.names, ensured.created)


def start_node(spec: ClusterSpec, node_id: int, *, wait_s: float = 120) -> int:
    """Start one node (if it is not running) and wait until it is an unfenced broker again; its pid."""
    with _locked(spec):
        pid, fresh = _start_node(spec, node_id, _cluster_id(spec))
    wait_brokers(spec, [node_id], wait_s, {node_id: pid} if fresh else None)
    return pid


def stop_pids(pids: Sequence[int], timeout_s: float = 30.0) -> None:
    """SIGTERM the process groups of ``pids`` together, SIGKILL what is left after ``timeout_s``."""
    for sig, wait in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 10.0)):
        alive = [p for p in pids if local._pid_alive(p)]
        for pid in alive:
            with suppress(ProcessLookupError):
                os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while alive and time.monotonic() < deadline:
            for pid in alive:
                local._reap(pid)
            alive = [p for p in alive if local._pid_alive(p)]
            time.sleep(0.2)
        if not alive:
            return
    raise local.BrokerError(f"cluster pids {alive} survived SIGKILL")


def stop_node(spec: ClusterSpec, node_id: int, *, kill: bool = False, timeout_s: float = 30.0) -> int | None:
    """Stop one node: SIGTERM (controlled shutdown), or ``kill=True`` for SIGKILL at once. Its pid, None if not running."""
    pid = node_pid(spec, node_id)
    if pid is None:
        return None
    if kill:
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    stop_pids([pid], timeout_s=timeout_s)
    spec.paths(node_id).pid_file.unlink(missing_ok=True)
    return pid


def down(spec: ClusterSpec, *, timeout_s: float = 30.0) -> list[int]:
    """Stop every node (together, so the quorum lasts through their controlled shutdown); the pids stopped."""
    with _locked(spec):
        pids = [pid for n in spec.nodes if (pid := node_pid(spec, n.node_id)) is not None]
        stop_pids(pids, timeout_s=timeout_s)
        for n in spec.nodes:
            spec.paths(n.node_id).pid_file.unlink(missing_ok=True)
    return pids


def status(spec: ClusterSpec) -> list[local.BrokerStatus]:
    """Each node's :class:`~streams.kafka.local.BrokerStatus` (no Kafka request is made)."""
    return [local.status(spec.node_settings(n.node_id)) for n in spec.nodes]


def destroy(spec: ClusterSpec) -> None:
    """Stop the cluster and delete its data (the next ``up`` formats a new cluster)."""
    down(spec)
    for node in spec.nodes:
        clear_dir(spec.paths(node.node_id).data)
    spec.state_file.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------- cluster inspection


def partitions(settings: Settings, topics: Sequence[str] | None = None, *, timeout_s: float = 10.0) -> list[PartitionState]:
    """Leader, replicas and ISR of every partition of ``topics`` (default: all topics)."""
    with admin_client(settings, timeout_s=timeout_s) as admin:
        described = admin.describe_topics(list(topics) if topics is not None else None)
    return [
        PartitionState(t["name"], p["partition_index"], p["leader_id"], tuple(p["replica_nodes"]), tuple(p["isr_nodes"]))
        for t in described if not t["error_code"] for p in t["partitions"]
    ]  # fmt: skip


def leader_counts(settings: Settings, topic: str) -> Counter[int]:
    """How many partitions of ``topic`` each node leads."""
    return Counter(p.leader for p in partitions(settings, [topic]) if p.leader >= 0)


def wait_in_sync(settings: Settings, timeout_s: float = 120.0, topics: Sequence[str] | None = None) -> float:
    """Block until every partition has a leader and a full ISR; seconds waited (TimeoutError after ``timeout_s``)."""
    t0 = time.monotonic()
    while True:
        try:
            if all(p.in_sync for p in partitions(settings, topics)):
                return time.monotonic() - t0
        except (KafkaError, OSError):
            pass
        if time.monotonic() - t0 > timeout_s:
            raise TimeoutError(f"partitions not all in sync after {timeout_s:.0f}s")
        time.sleep(0.5)


def wait_topics_everywhere(spec: ClusterSpec, topics: Sequence[str], timeout_s: float = 60.0) -> float:
    """Block until every running node's metadata has ``topics`` with leaders (a new topic reaches the brokers one by
    one: a client bootstrapping from a slow one would otherwise see none of its partitions); seconds waited."""
    t0 = time.monotonic()
    pending = [n.node_id for n in spec.nodes if node_pid(spec, n.node_id) is not None]
    while pending:
        node_id = pending[0]
        try:
            with quiet_kafka_logs():
                states = partitions(spec.node_settings(node_id), topics, timeout_s=5)
            if {p.topic for p in states if p.leader >= 0} >= set(topics):
                pending.pop(0)
                continue
        except (KafkaError, OSError):
            pass
        if time.monotonic() - t0 > timeout_s:
            raise TimeoutError(f"node {node_id} does not know all of {list(topics)} after {timeout_s:.0f}s")
        time.sleep(0.2)
    return time.monotonic() - t0


def active_controller(spec: ClusterSpec, among: Sequence[int] | None = None) -> int | None:
    """Id of the KRaft quorum leader, as the running nodes' ``quorum-state`` files record it (highest epoch wins)."""
    best: tuple[int, int] | None = None
    for node in spec.nodes:
        if (among is not None and node.node_id not in among) or node_pid(spec, node.node_id) is None:
            continue
        with suppress(OSError, ValueError, KeyError):
            state = json.loads((spec.paths(node.node_id).data / "__cluster_metadata-0" / "quorum-state").read_text())
            epoch, leader = int(state["leaderEpoch"]), int(state["leaderId"])
            if leader >= 0 and (best is None or epoch > best[0]):
                best = (epoch, leader)
    return best[1] if best else None


# ------------------------------------------------------------------------------------------------ command line


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m streams.kafka.cluster up|down|status [--port BASE]``."""
    parser = argparse.ArgumentParser(prog="python -m streams.kafka.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--port", type=int, default=DEFAULT_BASE_PORT, help="first node's port (default %(default)s)")
    args = parser.parse_args(argv)
    spec = ClusterSpec.of(Settings(), base_port=args.port)
    try:
        if args.action == "up":
            info = up(spec)
            verb = f"started nodes {', '.join(map(str, info.started))}" if info.started else "already running"
            _say(f"Kafka {info.version} cluster of {spec.size} nodes at {info.bootstrap} ({verb}; replication factor "
                 f"{REPLICATION_FACTOR}, min.insync.replicas {MIN_INSYNC_REPLICAS}; files in {spec.home})")
            _say(f"clients: export WIRESTREAM_KAFKA_BOOTSTRAP={info.bootstrap} WIRESTREAM_REPLICATION_FACTOR={REPLICATION_FACTOR}")
            return 0
        if args.action == "down":
            stopped = down(spec)
            _say(f"stopped {len(stopped)} cluster node(s)" if stopped else "cluster not running")
            return 0
        states = status(spec)
        for node, st in zip(spec.nodes, states, strict=True):
            _say(f"node {node.node_id}  127.0.0.1:{node.port}  {st.detail}" + (f"  pid {st.pid}" if st.pid else ""))
        return 0 if all(st.running for st in states) else 1
    except (local.BrokerError, KafkaError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
