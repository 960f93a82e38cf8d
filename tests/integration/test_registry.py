"""The state worker on the real broker: stories in, entity records on the compacted ``wire.entities`` and cluster
assignments on ``wire.story-clusters`` out; a restart recovers both tables from their changelogs, so counting
continues where it stopped (no count lost or doubled) and a re-delivered story keeps its cluster."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from kafka.admin import ConfigResource, ConfigResourceType
from worker_fixture import WorkerHandle

from schemas.models import EntityRecord
from streams.cli.entities import entity_lines, read_records, read_topic
from streams.cli.harness import REPO_ROOT, free_port, start_worker
from streams.cli.wire import make_producer
from streams.config import Settings
from streams.kafka.admin import admin_client
from streams.registry.merge import Record
from streams.topics import Topics

pytestmark = pytest.mark.integration

STORIES = [
    b"date 2026-12-01 Mayor Ottoline Quarrington opened the new ferry terminal in Guatemala City on Monday. "
    b"Quarrington said the terminal would bring trade to Guatemala.",
    b"date 2026-12-02 Ottoline Quarrington, the mayor, met traders from the United States in Guatemala City. "
    b"Quarrington promised lower fees.",
    b"date 2026-12-03 Exports from Guatemala rose by a tenth in November, the central bank said on Tuesday.",
]
LATER = b"date 2026-12-04 Mayor Ottoline Quarrington left Guatemala City for talks in Mexico on Thursday."


def _push(settings: Settings, stories: list[bytes], first: int) -> None:
    producer = make_producer(settings)
    try:
        for i, value in enumerate(stories, first):
            producer.send(settings.topic_raw, key=f"urn:test:registry:{i}".encode(), value=value)
        producer.flush(30)
    finally:
        producer.close()


def _wait_for(settings: Settings, done, timeout_s: float = 60.0) -> dict[str, Record]:
    deadline = time.monotonic() + timeout_s
    while True:
        records = read_records(settings)
        if done(records) or time.monotonic() > deadline:
            return records
        time.sleep(1.0)


def _assignments(settings: Settings, want: int, timeout_s: float = 60.0) -> list[dict]:
    """Every ``wire.story-clusters`` record, once there are at least ``want``."""
    topic = Topics.of(settings).clustering()[2]
    deadline = time.monotonic() + timeout_s
    while True:
        found = [orjson.loads(m.value) for m in read_topic(settings, topic) if m.value]
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(1.0)


def _person(records: dict[str, Record]) -> Record | None:
    return next((r for u, r in records.items() if u.startswith("ws:person:") and "quarrington" in u), None)


def test_stories_become_records_on_the_compacted_topic_and_survive_a_restart(running_worker: WorkerHandle, tmp_path: Path) -> None:
    settings = running_worker.settings  # the enrich worker; the registry runs in a state worker beside it
    state = settings.model_copy(update={"role": "state", "metrics_port": free_port()})
    state_worker = start_worker(state, tmp_path / "state.log", ready_timeout_s=120)
    try:
        topics = Topics.of(settings)
        _push(settings, STORIES, 0)
        records = _wait_for(settings, lambda rs: (p := _person(rs)) is not None and p["story_count"] == 2)
        person = _person(records)
        assert person is not None and person["story_count"] == 2, sorted(records)
        assert {"Ottoline Quarrington", "Quarrington"} <= set(person["aliases"])
        guatemala = [r for r in records.values() if r["name"] == "Guatemala" or "guatemala" in r["uri"]]
        assert guatemala, sorted(records)
        for record in records.values():
            EntityRecord.model_validate(record)

        with admin_client(settings) as admin:  # created compacted, like the story index; the re-keying topic is not
            configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in topics.registry()])["topic"]
        policy = {name: (configs.get(name) or {}).get("cleanup.policy", {}).get("value", "delete") for name in topics.registry()}
        assert list(policy.values()) == ["compact", "delete", "compact"], policy

        tail = subprocess.run(
            [sys.executable, "-m", "streams", "tail", topics.entities, "--max", "1", "--timeout", "20", "--json"],
            env={**settings.as_env(), "PATH": "/usr/bin:/bin"}, cwd=REPO_ROOT, capture_output=True, timeout=60,
        )  # fmt: skip
        assert tail.returncode == 0, tail.stderr[-2000:]
        assert "story_count" in orjson.loads(tail.stdout.decode().strip().splitlines()[-1])

        lines = entity_lines(settings, top=3)
        assert lines[0].split()[:3] == ["#", "stories", "mentions"] and len(lines) == 4

        before = {a["story_id"]: a["cluster_id"] for a in _assignments(settings, len(STORIES))}
        assert len(before) == len(STORIES), before

        # restart: the new state worker rebuilds the tables from their changelogs, then counts one more story exactly
        # once, and a re-sent story (same id and version) gets its first cluster again ("repeat")
        state_worker.terminate()
        restarted = start_worker(state, tmp_path / "restarted.log", ready_timeout_s=120)
        try:
            _push(settings, [LATER], len(STORIES))
            _push(settings, STORIES[:1], 0)
            after_restart = _assignments(settings, len(STORIES) + 2)
            # the re-sent story, and any the first worker had not committed before it stopped (at-least-once)
            first: dict[str, str] = {}
            for a in after_restart:
                first.setdefault(a["story_id"], a["cluster_id"])
            repeats = [a for a in after_restart if a["status"] == "repeat"]
            assert repeats and all(first[a["story_id"]] == a["cluster_id"] for a in repeats), after_restart
            assert all(first[sid] == cid for sid, cid in before.items())
            assert restarted.metrics().total("wirestream_cluster_rebuilt_stories", language="en") >= len(STORIES)
            after = _wait_for(settings, lambda rs: (p := _person(rs)) is not None and p["story_count"] >= 3)
            person_after = _person(after)
            assert person_after is not None and person_after["story_count"] == 3
            assert person_after["uri"] == person["uri"] and person_after["first_seen"] == person["first_seen"]
            deadline = time.monotonic() + 15  # the recovery exporter runs on a 1-second timer
            while (page := restarted.metrics()).total("wirestream_table_recoveries_total") < 1 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert page.total("wirestream_table_recoveries_total") >= 1, [s for s in page.samples if "recover" in s.name]
            assert page.total("wirestream_registry_updates_total", outcome="added") >= 1
        finally:
            restarted.terminate()
    finally:
        state_worker.terminate()
