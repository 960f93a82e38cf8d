"""The local 3-node KRaft cluster (streams.kafka.cluster) and the fast cluster fault case of `make test`.

The cluster is this module's own (free loopback ports, a temporary home, the shared jar cache); stopped afterwards.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from faults.cases import run_case
from faults.cluster_cases import ClusterFaultEnv, ClusterSizes, leader_kill9
from streams.cli.harness import free_port
from streams.config import Settings
from streams.kafka import cluster
from streams.kafka.admin import admin_client, delete_topics, ensure_topics

pytestmark = pytest.mark.integration

FAST = ClusterSizes(leader_stories=36, leader_push_s=8.0, leader_down_s=8.0, case_timeout_s=150.0)


def _free_run(size: int = 6) -> int:
    """A base port with ``size`` consecutive free loopback ports."""
    for _ in range(100):
        base = free_port(20000, 31000)
        if all(_bindable(port) for port in range(base, base + size)):
            return base
    raise RuntimeError("no run of free ports")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def spec(kafka_jars_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[cluster.ClusterSpec]:
    settings = Settings().model_copy(update={"home": tmp_path_factory.mktemp("cluster"), "partitions": 3})
    spec = cluster.ClusterSpec.of(settings, base_port=_free_run(), jars_home=kafka_jars_home)
    try:
        info = cluster.up(spec, wait_s=180, topics=())
        assert sorted(info.started) == [1, 2, 3]
        yield spec
    finally:
        cluster.down(spec)


def test_up_is_idempotent_and_topics_get_rf3_and_min_isr2(spec: cluster.ClusterSpec) -> None:
    again = cluster.up(spec, topics=())
    assert again.started == [] and [s.running for s in cluster.status(spec)] == [True, True, True]
    client = spec.client_settings()
    topic = "wire.raw.cluster-config"
    ensure_topics(client, [topic])
    cluster.wait_topics_everywhere(spec, [topic])
    try:
        states = cluster.partitions(client, [topic])
        assert len(states) == 3 and all(len(p.replicas) == 3 and p.in_sync for p in states)
        assert {p.leader for p in states} == {1, 2, 3}  # leadership spread over the nodes
        with admin_client(client) as admin:
            found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all")
        assert found["topic"][topic]["min.insync.replicas"]["value"] == "2"
        assert cluster.active_controller(spec) in (1, 2, 3)
    finally:
        delete_topics(client, [topic])


def test_leader_kill9_mid_stream_loses_nothing(spec: cluster.ClusterSpec, tmp_path: Path) -> None:
    env = ClusterFaultEnv(spec, tmp_path, tmpfs_mib=None)  # the module's cluster: not started, so not stopped, here
    try:
        result = run_case(env, "leader", leader_kill9(FAST), print)
    finally:
        env.close()
    rec = result.rec
    assert result.error is None, result.error
    assert rec.lost == 0 and rec.unexpected == 0 and rec.mixed_up == 0 and result.crashes == 0, rec.problems
    assert rec.unique == FAST.leader_stories
    assert result.details["leaders_moved_s"] <= 30 and result.checks, result.details
    assert result.passed, (result.checks, result.details)
    assert [s.running for s in cluster.status(spec)] == [True, True, True]  # the killed node is back
