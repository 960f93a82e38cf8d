"""Pure parts of the local broker: rendered config, paths, cluster ids, status without a broker, topic names."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from streams.config import Settings
from streams.kafka import local as kafka_local
from streams.topics import Topics

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "kafka"


def _props(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(home=tmp_path, **overrides)  # type: ignore[arg-type]


def test_rendered_properties_use_the_settings_ports_and_data_dir(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_port=19092, kafka_controller_port=19093, partitions=3)
    props = _props(kafka_local.render_server_properties(settings, tmp_path / "data"))

    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"].startswith("PLAINTEXT://127.0.0.1:19092")
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert props["num.partitions"] == "3"
    assert "$" not in "".join(props.values())


def test_rendered_properties_are_a_loopback_single_node_kraft_broker(tmp_path: Path) -> None:
    props = _props(kafka_local.render_server_properties(_settings(tmp_path), tmp_path / "data"))

    assert props["process.roles"] == "broker,controller"
    assert props["auto.create.topics.enable"] == "false"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    listeners = props["listeners"].split(",")
    assert all("://127.0.0.1:" in listener for listener in listeners)
    assert {listener.split("://")[0] for listener in listeners} == {"PLAINTEXT", "CONTROLLER"}


@pytest.mark.parametrize("max_message_bytes", [1_000_000, 12_000_000])
def test_broker_accepts_messages_larger_than_the_worker_limit(tmp_path: Path, max_message_bytes: int) -> None:
    settings = _settings(tmp_path, max_message_bytes=max_message_bytes)
    props = _props(kafka_local.render_server_properties(settings, tmp_path / "data"))

    assert int(props["message.max.bytes"]) > max_message_bytes
    assert int(props["replica.fetch.max.bytes"]) >= int(props["message.max.bytes"])


def test_render_rejects_a_template_with_an_unknown_placeholder(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        kafka_local.render_server_properties(_settings(tmp_path), tmp_path, template="x=${nope}\n")


def test_cluster_ids_are_16_random_bytes_in_url_safe_base64() -> None:
    ids = {kafka_local.new_cluster_id() for _ in range(50)}
    assert len(ids) == 50
    for cid in ids:
        assert len(cid) == 22
        assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_paths_separate_brokers_by_port_and_share_jars_by_version(tmp_path: Path) -> None:
    a = kafka_local.BrokerPaths.of(_settings(tmp_path, kafka_port=9092))
    b = kafka_local.BrokerPaths.of(_settings(tmp_path, kafka_port=19092), jars_home=tmp_path / "shared")
    assert a.root != b.root
    assert a.data.parent == a.root
    assert a.libs == tmp_path / "kafka-4.1.1" / "libs"
    assert b.libs == tmp_path / "shared" / "kafka-4.1.1" / "libs"


def test_local_settings_target_the_loopback_plaintext_listener(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_port=19092, kafka_bootstrap="kafka-1:9092", kafka_security_protocol="SSL")
    local = kafka_local.local_settings(settings)
    assert local.kafka_client_config()["bootstrap_servers"] == ["127.0.0.1:19092"]
    assert local.kafka_security_protocol == "PLAINTEXT"


def test_status_of_a_never_started_broker(tmp_path: Path) -> None:
    state = kafka_local.status(_settings(tmp_path, kafka_port=1))
    assert (state.running, state.pid, state.port) == (False, None, 1)


def test_status_ignores_a_pid_file_naming_a_foreign_process(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_port=1)
    paths = kafka_local.BrokerPaths.of(settings)
    paths.root.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        paths.pid_file.write_text(f"{sleeper.pid}\n")  # alive, but not a kafka.Kafka JVM of this home
        state = kafka_local.status(settings)
        assert not state.running
        assert f"stale pid {sleeper.pid}" in state.detail
        kafka_local.down(settings)  # must not kill the foreign process
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_topic_names_in_order_without_duplicates(tmp_path: Path) -> None:
    names = Topics.of(_settings(tmp_path, topic_by_iptc_prefix="t.")).all()
    assert names[:4] == ["wire.raw", "wire.enriched", "wire.deadletter", "t.arts-culture-entertainment-media"]
    topics = Topics.of(_settings(tmp_path))
    assert len(names) == len(set(names)) == 3 + 17 + len(topics.registry()) + len(topics.clustering())


def test_deploy_files_are_present_and_the_pom_takes_the_kafka_version() -> None:
    pom = (DEPLOY / "pom.xml").read_text()
    assert "<artifactId>kafka_2.13</artifactId>" in pom
    assert "<version>${kafka.version}</version>" in pom
    assert "log4j-slf4j2-impl" in pom
    config = yaml.safe_load((DEPLOY / "log4j2.yaml").read_text())["Configuration"]
    (server_log,) = config["Appenders"]["RollingFile"]
    assert server_log["fileName"] == "${sys:kafka.logs.dir}/server.log"
    root_refs = {ref["ref"] for ref in config["Loggers"]["Root"]["AppenderRef"]}
    assert server_log["name"] in root_refs
    assert config["Appenders"]["Console"]["ThresholdFilter"]["level"] == "WARN"  # no INFO spam on stdout
