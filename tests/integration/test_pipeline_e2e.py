"""The whole path on the real broker: push seeds/, a worker enriches them, outputs land on the right topics."""

from __future__ import annotations

import base64
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from worker_fixture import WorkerHandle

from streams.cli.wire import input_files, iter_messages, make_consumer, push_files
from streams.topics import Topics

pytestmark = pytest.mark.integration

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
EXPECTED_REASONS = Counter(
    {"decode_error": 2, "parse_error": 2, "xml_forbidden": 2, "validation_error": 3, "empty": 1, "unknown_format": 1}
)


def _collect(settings, topics: list[str], expected: int, timeout: float = 300.0) -> list[tuple[str, bytes, dict]]:
    consumer = make_consumer(settings, topics)
    got: list[tuple[str, bytes, dict]] = []
    deadline = time.monotonic() + timeout
    try:
        for item in iter_messages(consumer, stop=lambda: len(got) >= expected or time.monotonic() > deadline):
            got.append(item)
    finally:
        consumer.close()
    return got


def _metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name) and not line.startswith("#"))


def test_seeds_flow_end_to_end(running_worker: WorkerHandle) -> None:
    s = running_worker.settings
    files = input_files([SEEDS])
    malformed = [f for f in files if f.parent.name == "malformed"]
    summary = push_files(files, s)
    assert summary.sent == len(files) and not summary.failed

    outputs = _collect(s, [s.topic_enriched, s.topic_deadletter], expected=len(files))
    assert len(outputs) == len(files), running_worker.log_tail()
    enriched = [(k, v) for t, k, v in outputs if t == s.topic_enriched]
    letters = [v for t, _k, v in outputs if t == s.topic_deadletter]

    # every malformed file is dead-lettered with its reason and original bytes; nothing else is
    assert Counter(v["reason"] for v in letters) == EXPECTED_REASONS
    assert sorted(base64.b64decode(v["original_b64"]) for v in letters) == sorted(f.read_bytes() for f in malformed)

    events = [v["wirestream"]["event"] for _k, v in enriched]
    assert events.count("withdrawn") == 2 and events.count("enriched") == len(files) - len(malformed) - 2
    for key, value in enriched:
        assert key.decode() == value["wirestream"]["story_id"]  # keyed by story id: versions overwrite

    by_id = {}
    for _k, v in enriched:
        by_id.setdefault(v["wirestream"]["story_id"], []).append(v)
    strike = by_id["urn:wirestream:seed:2026:saltmarsh-dock-strike"]
    assert sorted(v["wirestream"]["story_version"] for v in strike) == [1, 2]

    german = [v for _k, v in enriched if v.get("language", "").startswith("de")]
    assert len(german) == 1 and "unsupported_language" in german[0]["wirestream"]["notes"]
    assert german[0]["wirestream"]["entities"] == []

    english = [v for _k, v in enriched if v["wirestream"]["event"] == "enriched" and v.get("language", "").startswith("en")]
    assert english
    for v in english:
        ext = v["wirestream"]
        assert ext["topics"] and all(t["code"].startswith("medtop:") for t in ext["topics"])
        assert ext["entities"] and ext["tone"] is not None
        assert v["subjects"] and (v["people"] or v["organisations"] or v["places"])
    stances = [e["stance"]["polarity"] for v in english for e in v["wirestream"]["entities"] if e.get("stance")]
    assert stances and set(stances) <= {"positive", "negative", "neutral"}

    # each enriched story also went to the topic of each top-level IPTC topic it has with routing confidence
    routed = [
        {t["slug"]: t for t in v["wirestream"]["topics"] if t["level"] == 1 and t["confidence"] >= s.topic_route_min_confidence}
        for v in english
    ]
    slugs = Counter(slug for topics in routed for slug in topics)
    assert slugs, "no story was confident enough to be routed to a wire.topic.<slug> topic"
    per_topic = _collect(s, [Topics.of(s).iptc(slug) for slug in slugs], expected=sum(slugs.values()), timeout=60)
    assert Counter(t.removeprefix(Topics.of(s).iptc_prefix) for t, _k, _v in per_topic) == slugs

    # metrics agree, and the lag drains to zero once everything is committed
    deadline = time.monotonic() + 60
    while True:
        text = urllib.request.urlopen(running_worker.metrics_url, timeout=5).read().decode()
        if _metric(text, "wirestream_consumer_lag_messages{") == 0 and _metric(text, "wirestream_end_offset{") >= len(files):
            break
        assert time.monotonic() < deadline, "consumer lag did not drain"
        time.sleep(1)
    assert _metric(text, "wirestream_stories_enriched_total") == len(english) + len(german)
    assert _metric(text, "wirestream_dead_letters_total{") == len(malformed)
    assert _metric(text, "wirestream_stories_withdrawn_total") == 2
    assert _metric(text, "wirestream_consumer_lag_seconds{") == 0
