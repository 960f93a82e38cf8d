"""Pure parts of the local 3-node cluster: ports, rendered node configs, TLS listener properties, no broker started."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import Settings
from streams.kafka import cluster
from streams.kafka import local as kafka_local


def _props(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture
def spec(tmp_path: Path) -> cluster.ClusterSpec:
    return cluster.ClusterSpec.of(Settings(home=tmp_path, partitions=6), base_port=29192)  # type: ignore[call-arg]


def test_ports_bootstrap_and_quorum(spec: cluster.ClusterSpec, tmp_path: Path) -> None:
    assert [(n.node_id, n.port, n.controller_port) for n in spec.nodes] == [(1, 29192, 29193), (2, 29194, 29195), (3, 29196, 29197)]
    assert spec.bootstrap == "127.0.0.1:29192,127.0.0.1:29194,127.0.0.1:29196"
    assert spec.quorum_voters == "1@127.0.0.1:29193,2@127.0.0.1:29195,3@127.0.0.1:29197"
    assert spec.home == tmp_path / "cluster-29192"
    assert spec.paths(2).root == tmp_path / "cluster-29192" / "broker-29194"
    assert spec.paths(2).libs == tmp_path / f"kafka-{spec.settings.kafka_version}" / "libs"  # the shared jar cache
    client = spec.client_settings()
    assert client.kafka_bootstrap == spec.bootstrap and client.replication_factor == 3
    assert client.kafka_client_config()["bootstrap_servers"] == spec.bootstrap.split(",")


def test_every_node_is_broker_and_controller_with_rf3_and_min_isr2(spec: cluster.ClusterSpec) -> None:
    rendered = [_props(cluster.render_node_properties(spec, n.node_id)) for n in spec.nodes]
    for node, props in zip(spec.nodes, rendered, strict=True):
        assert props["process.roles"] == "broker,controller"
        assert props["node.id"] == str(node.node_id)
        assert props["controller.quorum.voters"] == spec.quorum_voters
        assert "controller.quorum.bootstrap.servers" not in props  # static quorum: formatted without --standalone
        assert props["listeners"] == f"PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}"
        assert props["log.dirs"] == str(spec.paths(node.node_id).data)
        assert props["default.replication.factor"] == str(cluster.REPLICATION_FACTOR) == "3"
        assert props["min.insync.replicas"] == str(cluster.MIN_INSYNC_REPLICAS) == "2"
        assert props["offsets.topic.replication.factor"] == "3" and props["transaction.state.log.min.isr"] == "2"
        assert props["unclean.leader.election.enable"] == "false" and props["auto.create.topics.enable"] == "false"
        assert props["num.partitions"] == "6"
        assert "$" not in "".join(props.values())
    assert len({p["log.dirs"] for p in rendered}) == 3


def test_status_of_a_cluster_never_started(spec: cluster.ClusterSpec) -> None:
    states = cluster.status(spec)
    assert [s.running for s in states] == [False, False, False]
    assert cluster.node_pid(spec, 1) is None and cluster.active_controller(spec) is None


def test_partition_state_in_sync() -> None:
    assert cluster.PartitionState("t", 0, 1, (1, 2, 3), (3, 1, 2)).in_sync
    assert not cluster.PartitionState("t", 0, 1, (1, 2, 3), (1, 2)).in_sync
    assert not cluster.PartitionState("t", 0, -1, (1, 2, 3), (1, 2, 3)).in_sync


def test_clear_dir_keeps_the_directory(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "f").write_text("x")
    cluster.clear_dir(tmp_path / "d")
    assert (tmp_path / "d").is_dir() and not any((tmp_path / "d").iterdir())


def test_tls_listener_properties_and_scram_format_args(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, kafka_port=19092, kafka_controller_port=19093)  # type: ignore[call-arg]
    tls = kafka_local.TlsListener(19443, 19444, tmp_path / "ks.p12", "pw-1", {"alice": "s3cret"},
                                  {"WRONGNAME": (19445, tmp_path / "other.p12")})  # fmt: skip
    props = _props(kafka_local.render_server_properties(settings, tmp_path / "data", tls=tls))
    assert props["listeners"] == ("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,SSL://127.0.0.1:19443,"
                                  "SASL_SSL://127.0.0.1:19444,WRONGNAME://127.0.0.1:19445")  # fmt: skip
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,WRONGNAME:SSL"
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["ssl.keystore.type"] == "PKCS12" and props["ssl.keystore.location"] == str(tmp_path / "ks.p12")
    assert props["listener.name.wrongname.ssl.keystore.location"] == str(tmp_path / "other.p12")
    assert "ScramLoginModule" in props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    assert tls.format_args() == ["--add-scram", "SCRAM-SHA-512=[name=alice,password=s3cret]"]
    with pytest.raises(ValueError):
        kafka_local.TlsListener(1, 2, tmp_path, "pw", {"bob": "has]bracket"}).properties(settings)
    with pytest.raises(ValueError):
        kafka_local.render_server_properties(settings, tmp_path, sasl=kafka_local.SaslListener(3, {}), tls=tls)
