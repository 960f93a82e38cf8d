"""How the state cases (:mod:`faults.state_cases`) judge the entity registry.

The registry's records on ``wire.entities`` must equal what the enriched events say, computed independently here:
per entity uri, the number of distinct stories naming it and the sum of their mentions. ``lost`` and ``doubled``
count story units missing or in excess over all entities; both must be 0. Re-delivered enriched events (the same
story published twice around a fault) must carry the same entity ids as the first delivery ("ids unchanged").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from streams.cli.entities import read_topic
from streams.config import Settings
from streams.kafka import admin as kafka_admin
from streams.registry.merge import Record, apply_update
from streams.registry.route import contributions
from streams.topics import Topics


@dataclass
class RegistrySizes:
    """How big the case is (about 2 minutes on 2 cores)."""

    stories: int = 150
    kills: int = 2
    replayed: int = 30  # stories pushed a second time at the end (a producer replay)
    push_s: float = 40.0
    settle_s: float = 120.0
    case_timeout_s: float = 420.0


def expected_counts(enriched: list[tuple[bytes | None, dict[str, Any]]]) -> tuple[dict[str, tuple[int, int]], int]:
    """(stories, mentions) per entity uri from the enriched events (latest version per story; duplicates once),
    and how many re-delivered events named other entity ids than the story's first delivery."""
    first: dict[str, tuple[int, frozenset[tuple[str, str]]]] = {}
    latest: dict[str, dict[str, Any]] = {}
    changed_ids = 0
    for _key, doc in enriched:
        ext = doc.get("wirestream") or {}
        story_id, version = str(ext.get("story_id")), int(ext.get("story_version") or 1)
        ids = frozenset((str(e.get("name")), str(e.get("uri"))) for e in ext.get("entities") or [])
        if story_id in first and first[story_id][0] == version and first[story_id][1] != ids:
            changed_ids += 1
        first.setdefault(story_id, (version, ids))
        if story_id not in latest or int(latest[story_id]["story_version"]) <= version:
            latest[story_id] = ext
    counts: dict[str, tuple[int, int]] = {}
    for story_id, ext in latest.items():
        if ext.get("event") == "withdrawn":
            continue
        for update in contributions(ext.get("entities") or [], story_id, int(ext["story_version"]), ""):
            stories, mentions = counts.get(update["uri"], (0, 0))
            counts[update["uri"]] = (stories + 1, mentions + update.get("mentions", 0))
    return counts, changed_ids


def compare(expected: dict[str, tuple[int, int]], records: dict[str, Record]) -> dict[str, int]:
    """``lost``/``doubled`` story units, ``mentions_off`` (entities whose mention sum differs), ``missing``/``extra``
    records and ``repeated`` story ids inside one record's window."""
    out = {"entities": len(expected), "records": len(records), "lost": 0, "doubled": 0, "mentions_off": 0, "missing": 0, "extra": 0, "repeated": 0}
    for uri, (stories, mentions) in expected.items():
        record = records.get(uri)
        got = (record["story_count"], record["mention_count"]) if record else (0, 0)
        out["missing"] += record is None
        out["lost"] += max(stories - got[0], 0)
        out["doubled"] += max(got[0] - stories, 0)
        out["mentions_off"] += got[1] != mentions
    for uri, record in records.items():
        out["extra"] += uri not in expected and record["story_count"] > 0
        ids = [s["story_id"] for s in record["stories"]]
        out["repeated"] += len(ids) - len(set(ids))
    return out


def diagnose(settings: Settings, expected: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Where an inexact registry lost its counts: the records rebuilt offline from every message on the updates
    topic (loss in routing if these are short too, in merging if only the published records are), and how many
    stories the routing index holds."""
    _entities, updates, stories = Topics.of(settings).registry()
    rebuilt: dict[str, Record] = {}
    for msg in read_topic(settings, updates):
        if msg.key and msg.value:
            uri = msg.key.decode()
            record, _ = apply_update(rebuilt.get(uri), orjson.loads(msg.value))
            if record is not None:
                rebuilt[uri] = record
    index = {m.key for m in read_topic(settings, stories) if m.key and m.value}
    group = settings.model_copy(update={"role": "state"}).group_id
    behind = {}
    for topic in (Topics.of(settings).enriched, updates):
        done = kafka_admin.committed_offsets(settings, group, topic)
        behind[topic] = {p: (done.get(p), end) for p, end in kafka_admin.end_offsets(settings, topic).items()}
    return {"from_updates_topic": compare(expected, rebuilt), "stories_indexed": len(index), "committed_vs_end": behind}
