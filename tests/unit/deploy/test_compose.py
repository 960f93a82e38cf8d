"""deploy/docker-compose.yml and deploy/Dockerfile, validated offline (no Docker engine here)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.config import Settings

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
ENV_NAME = re.compile(r"\bWIRESTREAM_[A-Z0-9_]+\b")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_services_are_the_documented_ones(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"kafka-1", "kafka-2", "kafka-3", "topic-init", "worker", "state-worker", "prometheus", "grafana"}


def test_every_image_is_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service.get("image", "")
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: image {image!r} is not pinned"
    kafka_tags = {compose["services"][f"kafka-{n}"]["image"] for n in (1, 2, 3)}
    assert kafka_tags == {f"apache/kafka:{Settings.model_fields['kafka_version'].default}"}
    base = re.search(r"^FROM\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert base and re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", base.group(1)), base


def test_referenced_files_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} missing"
        if "build" in service:
            context = DEPLOY / service["build"]["context"]
            assert (context / service["build"]["dockerfile"]).resolve() == DOCKERFILE
    context = DEPLOY.parent
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (context / source).exists(), f"Dockerfile COPY {source}: missing in the build context"


def test_wirestream_variables_are_settings_fields(compose: dict[str, Any]) -> None:
    fields = {f"WIRESTREAM_{name.upper()}" for name in Settings.model_fields}
    used = set(ENV_NAME.findall(COMPOSE.read_text(encoding="utf-8")))
    used |= set(ENV_NAME.findall(DOCKERFILE.read_text(encoding="utf-8")))
    used -= {"WIRESTREAM_WORKERS"}  # compose's own replica count, not a worker setting
    assert used, "no WIRESTREAM_* variable found"
    assert used <= fields, f"not fields of streams.config.Settings: {sorted(used - fields)}"
    for name in ("worker", "topic-init"):
        env = _env(compose["services"][name])
        Settings(**{k.removeprefix("WIRESTREAM_").lower(): v for k, v in env.items()
                    if k.startswith("WIRESTREAM_") and "${" not in v})  # values validate too


def test_kafka_is_a_three_node_kraft_quorum_with_replication_3(compose: dict[str, Any]) -> None:
    envs = [_env(compose["services"][f"kafka-{n}"]) for n in (1, 2, 3)]
    assert {env["KAFKA_NODE_ID"] for env in envs} == {"1", "2", "3"}
    assert len({env["CLUSTER_ID"] for env in envs}) == 1
    voters = envs[0]["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert voters == [f"{n}@kafka-{n}:9093" for n in (1, 2, 3)]
    for env in envs:
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert f"PLAINTEXT://kafka-{env['KAFKA_NODE_ID']}:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    bootstrap = {f"kafka-{n}:9092" for n in (1, 2, 3)}
    for name in ("worker", "topic-init"):
        env = _env(compose["services"][name])
        assert env["WIRESTREAM_REPLICATION_FACTOR"] == "3"
        assert set(env["WIRESTREAM_KAFKA_BOOTSTRAP"].split(",")) == bootstrap
    worker = compose["services"]["worker"]
    assert worker["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"
    assert "replicas" in worker["deploy"]


def test_prometheus_and_grafana_are_wired_to_the_workers(compose: dict[str, Any]) -> None:
    prom_config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.compose.yml").read_text(encoding="utf-8"))
    (job,) = [j for j in prom_config["scrape_configs"] if j["job_name"] == "wirestream"]
    (sd,) = job["dns_sd_configs"]
    worker_env = _env(compose["services"]["worker"])
    assert sd["names"] == ["worker"] and str(sd["port"]) == worker_env["WIRESTREAM_METRICS_PORT"]
    assert worker_env["WIRESTREAM_METRICS_HOST"] == "0.0.0.0"
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in compose["services"]["prometheus"]["volumes"] if v.startswith("."))
    assert mounts["./prometheus/alerts.yml"] == "/etc/prometheus/alerts.yml"  # rule_files: alerts.yml, beside the config

    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "wirestream.yml").read_text())
    grafana_mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in compose["services"]["grafana"]["volumes"] if v.startswith("."))
    assert grafana_mounts["./grafana/dashboards"] == provider["providers"][0]["options"]["path"]
    datasource = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"


def _compose_client() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (e.g. Debian's package): both parse without an engine."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_the_file() -> None:
    client = _compose_client()
    if client is None:
        pytest.skip("no compose client (`docker compose` plugin or `docker-compose`) installed")
    result = subprocess.run(
        [*client, "-p", "wirestream", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_brokers_agree_with_the_local_cluster(compose: dict[str, Any], tmp_path: Path) -> None:
    """Replication, min ISR, roles, quorum and listeners of compose's brokers = streams.kafka.cluster's nodes."""
    from streams.kafka import cluster

    spec = cluster.ClusterSpec.of(Settings(home=tmp_path), base_port=29192)  # type: ignore[call-arg]
    local = [
        dict(line.split("=", 1) for line in cluster.render_node_properties(spec, n.node_id).splitlines() if line and not line.startswith("#"))
        for n in spec.nodes
    ]
    envs = [_env(compose["services"][f"kafka-{n.node_id}"]) for n in spec.nodes]
    as_props = [{k.removeprefix("KAFKA_").lower().replace("_", "."): v for k, v in env.items() if k.startswith("KAFKA_")} for env in envs]
    for props, node_env in zip(local, as_props, strict=True):
        for key in ("process.roles", "controller.listener.names", "inter.broker.listener.name", "default.replication.factor",
                    "min.insync.replicas", "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                    "transaction.state.log.min.isr", "auto.create.topics.enable", "node.id"):  # fmt: skip
            assert node_env[key] == props[key], key
        ids = lambda voters: [v.split("@")[0] for v in voters.split(",")]  # noqa: E731
        assert ids(node_env["controller.quorum.voters"]) == ids(props["controller.quorum.voters"])
        protocols = dict(p.split(":") for p in node_env["listener.security.protocol.map"].split(","))
        local_protocols = dict(p.split(":") for p in props["listener.security.protocol.map"].split(","))
        assert local_protocols.items() <= protocols.items()  # compose adds EXTERNAL for the host
        names = lambda listeners: {item.split("://")[0] for item in listeners.split(",")}  # noqa: E731
        assert names(props["listeners"]) <= names(node_env["listeners"])
        assert set(names(node_env["listeners"])) <= set(protocols)
    assert spec.client_settings().replication_factor == int(_env(compose["services"]["worker"])["WIRESTREAM_REPLICATION_FACTOR"])
