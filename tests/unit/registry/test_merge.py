"""Entity records absorb updates exactly once by (story id, version) (streams.registry.merge)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.models import EntityRecord
from streams.registry import Outcome, StoryIndex, apply_update, decode_record, encode_record, route, story_count
from streams.registry.merge import Record
from streams.registry.route import Update
from tests.unit.registry.events import entity, event, seed_like_event

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
A = "ws:person:a-b"


def add(story: str, version: int = 1, mentions: int = 1, seen: str = "2026-12-01T10:00:00.000000Z", name: str = "A B") -> Update:
    return Update(op="add", uri=A, story_id=story, version=version, seen_at=seen, type="PERSON", name=name,
                  aliases=[name], mentions=mentions, salience=0.1, link=None, relations=[])  # fmt: skip


def retract(story: str, version: int, seen: str = "2026-12-01T11:00:00.000000Z") -> Update:
    return Update(op="retract", uri=A, story_id=story, version=version, seen_at=seen)


def run(*updates: Update, record: Record | None = None, window: int = 500) -> tuple[Record | None, list[Outcome]]:
    outcomes = []
    for update in updates:
        record, outcome = apply_update(record, update, now=NOW, window=window)
        outcomes.append(outcome)
    return record, outcomes


def test_a_redelivered_story_is_counted_once() -> None:
    record, outcomes = run(add("s1", mentions=2), add("s1", mentions=2), add("s2"))
    assert outcomes == [Outcome.ADDED, Outcome.DUPLICATE, Outcome.ADDED]
    assert record is not None and (record["story_count"], record["mention_count"]) == (2, 3)


def test_a_new_version_replaces_the_old_one_and_a_late_old_version_is_stale() -> None:
    record, outcomes = run(add("s1", 1, mentions=1), add("s1", 2, mentions=5), add("s1", 1, mentions=1))
    assert outcomes == [Outcome.ADDED, Outcome.REPLACED, Outcome.STALE]
    assert record is not None and (record["story_count"], record["mention_count"]) == (1, 5)
    assert record["stories"][0]["version"] == 2


def test_a_retraction_uncounts_and_blocks_a_late_redelivery() -> None:
    record, outcomes = run(add("s1", 1), add("s2", 1), retract("s1", 2), add("s1", 1), retract("s1", 2), retract("s1", 1))
    assert outcomes == [Outcome.ADDED, Outcome.ADDED, Outcome.RETRACTED, Outcome.STALE, Outcome.DUPLICATE, Outcome.STALE]
    assert record is not None and record["story_count"] == 1
    record, (outcome,) = run(add("s1", 3), record=record)  # republished after the withdrawal: counts again
    assert outcome is Outcome.REPLACED and record is not None and record["story_count"] == 2


def test_a_retraction_of_an_unknown_entity_creates_nothing() -> None:
    assert run(retract("s1", 2)) == (None, [Outcome.IGNORED])


def test_names_aliases_links_and_first_last_seen() -> None:
    record, _ = run(add("s1", seen="2026-12-01T10:00:00.000000Z", name="A B"), add("s2", seen="2026-12-01T09:00:00.000000Z", name="Al B"))
    assert record is not None
    assert record["name"] == "A B"  # the latest story's canonical name
    assert record["names"] == ["A B", "Al B"] and record["aliases"] == ["A B", "Al B"]
    assert (record["first_seen"], record["last_seen"]) == ("2026-12-01T09:00:00.000000Z", "2026-12-01T10:00:00.000000Z")
    assert [s["story_id"] for s in record["stories"]] == ["s2", "s1"]  # oldest first


def test_the_window_folds_old_stories_into_the_totals() -> None:
    updates = [add(f"s{i}", mentions=2, seen=f"2026-12-01T10:00:{i:02d}.000000Z") for i in range(10)]
    record, _ = run(*updates, window=4)
    assert record is not None and len(record["stories"]) == 4
    assert (record["story_count"], record["mention_count"], record["folded_stories"]) == (10, 20, 6)
    assert story_count(record, since="2026-12-01T10:00:08.000000Z") == (2, 4)


def test_records_match_the_published_schema_and_round_trip() -> None:
    records: dict[str, Record | None] = {}
    for update in route(seed_like_event(), None).updates:
        records[update["uri"]], _ = apply_update(records.get(update["uri"]), update, now=NOW)
    for record in records.values():
        assert record is not None
        EntityRecord.model_validate(record)
        assert decode_record(encode_record(record)) == record
    schema = json.loads((Path(__file__).resolve().parents[3] / "schemas" / "json" / "entity-record.schema.json").read_text())
    assert set(schema["required"]) <= set(Record.__annotations__)


def test_many_stories_through_stored_bytes_keep_exact_counts() -> None:
    """300 seed-sized stories routed and merged through encoded records, as the registry agent stores them: every
    record counts each story once (its cost per story is measured by ``wirestream eval --tasks speed``)."""
    records: dict[str, bytes] = {}
    index: dict[str, StoryIndex] = {}
    n = 300
    for i in range(n):
        routing = route(seed_like_event(f"s{i}"), index.get(f"s{i}"))
        for update in routing.updates:
            record, _ = apply_update(decode_record(records.get(update["uri"])), update, now=NOW)
            assert record is not None
            records[update["uri"]] = encode_record(record)
        assert routing.index is not None
        index[f"s{i}"] = routing.index
    guatemala = decode_record(records["geonames:3595528"])
    assert guatemala is not None and story_count(guatemala) == (n, 4 * n)
    assert len(records) == 4 + 12


# ---------------------------------------------------------------------------------------------- property: exact counts

STORIES = ["s1", "s2", "s3", "s4"]
URIS = ["ws:person:a", "ws:person:b", "ws:org:c"]

event_strategy = st.tuples(
    st.sampled_from(STORIES), st.integers(1, 3), st.booleans(), st.lists(st.sampled_from(URIS), max_size=3, unique=True),
    st.integers(0, 2),  # 0: delivered once; 1: the entity updates are re-delivered; 2: a crash before the index write
)


def _story_event(story: str, version: int, withdrawn: bool, uris: list[str]) -> dict[str, Any]:
    ents = [entity(u, uri=u, mentions=1 + len(u) % 3, eid=f"e{i}") for i, u in enumerate(uris)]
    return event(story, version, ents, withdrawn=withdrawn)


@settings(max_examples=300, deadline=None)
@given(st.lists(event_strategy, max_size=25))
def test_counts_are_exact_under_redeliveries_and_crashes(events: list[tuple[str, int, bool, list[str], int]]) -> None:
    index: dict[str, StoryIndex] = {}
    records: dict[str, Record | None] = {}
    latest: dict[str, tuple[int, bool, list[str]]] = {}  # the truth: each story's newest version

    def apply_all(updates: list[Update]) -> None:
        for update in updates:
            records[update["uri"]], _ = apply_update(records.get(update["uri"]), update, now=NOW)

    for story, version, withdrawn, uris, fault in events:
        ev = _story_event(story, version, withdrawn, uris)
        routing = route(ev, index.get(story))
        if routing.stale:
            continue
        apply_all(routing.updates)
        if fault == 1:
            apply_all(routing.updates)
        if fault == 2:  # crash after the updates, before the index write: the event is routed again
            again = route(ev, index.get(story))
            assert again.updates == routing.updates
            apply_all(again.updates)
        assert routing.index is not None
        index[story] = routing.index
        if story not in latest or latest[story][0] <= version:
            latest[story] = (version, withdrawn, uris)
    for uri in URIS:
        live = [s for s, (_v, gone, uris) in latest.items() if not gone and uri in uris]
        record = records.get(uri)
        assert (record["story_count"] if record else 0) == len(live), (uri, live, record)
        if record:
            assert record["mention_count"] == len(live) * (1 + len(uri) % 3)
