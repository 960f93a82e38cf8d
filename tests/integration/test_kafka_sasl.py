"""A worker talks to a broker through a SASL_PLAINTEXT (PLAIN) listener, with credentials from settings only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from faults.cases import as_outgoing
from faults.env import FaultEnv
from faults.reconcile import OutputReader, Pusher, reconcile, wait_accounted
from faults.stories import valid_stories
from streams.cli.harness import Metrics, free_port, metrics_text
from streams.config import Settings
from streams.kafka import local as kafka_local
from streams.kafka.admin import ensure_topics

pytestmark = pytest.mark.integration

USER, PASSWORD = "wire-worker", "s3cret-Pl41n-pw"


@pytest.fixture(scope="module")
def sasl_broker(kafka_jars_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Settings]]:
    """(broker settings, client settings) of a broker of its own with a SASL_PLAINTEXT listener; stopped afterwards."""
    port, sasl_port = free_port(), free_port()
    broker = Settings().model_copy(
        update={"home": tmp_path_factory.mktemp("sasl-broker"), "kafka_port": port, "kafka_controller_port": free_port(),
                "kafka_bootstrap": f"127.0.0.1:{port}", "partitions": 2}
    )  # fmt: skip
    kafka_local.up(broker, wait_s=180, topics=(), jars_home=kafka_jars_home, sasl=kafka_local.SaslListener(sasl_port, {USER: PASSWORD}))
    client = broker.model_copy(
        update={"kafka_bootstrap": f"127.0.0.1:{sasl_port}", "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "PLAIN", "kafka_sasl_username": USER, "kafka_sasl_password": SecretStr(PASSWORD)}
    )  # fmt: skip
    try:
        yield broker, client
    finally:
        kafka_local.down(broker)


def test_wrong_password_is_refused(sasl_broker: tuple[Settings, Settings]) -> None:
    _broker, client = sasl_broker
    wrong = client.model_copy(update={"kafka_sasl_password": SecretStr("not-the-password")})
    with pytest.raises(Exception):  # noqa: B017 - kafka-python reports it as a bootstrap timeout
        ensure_topics(wrong, [], timeout_s=4)


def test_worker_enriches_through_sasl_listener(sasl_broker: tuple[Settings, Settings], tmp_path: Path) -> None:
    _broker, client = sasl_broker
    ensure_topics(client)  # admin over SASL
    env = FaultEnv(client, tmp_path)
    pusher, reader = Pusher(client), OutputReader(client)
    try:
        worker = env.start_worker(client, "sasl-worker")  # credentials reach it only as WIRESTREAM_KAFKA_SASL_* env
        stories = valid_stories(6, tag="sasl")
        pusher.push(as_outgoing(stories))
        assert wait_accounted(reader, pusher.sent, timeout_s=120), worker.log_tail()
        rec = reconcile(pusher.sent, reader.outputs)
        assert rec.ok and rec.unique == len(stories), rec.problems
        page = metrics_text(worker.settings, timeout=5) or ""
        assert Metrics.parse(page).total("wirestream_stories_enriched_total") == len(stories)
        for secret_or_text in (PASSWORD, USER, stories[0].story_id, stories[0].body[:30]):
            assert secret_or_text not in page
        assert PASSWORD not in worker.log_tail(200_000)  # never logged either
    finally:
        reader.close()
        pusher.close()
        env.close()
