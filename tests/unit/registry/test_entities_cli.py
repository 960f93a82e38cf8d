"""`wirestream entities`: --since periods, ranking and formatting (no broker)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.cli.entities import BadSince, format_entity_record, format_rows, rank, since_time
from streams.registry import apply_update
from streams.registry.merge import Record
from streams.registry.route import Update

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def record(uri: str, stories: list[tuple[str, int]], type_: str = "PERSON", window: int = 200) -> Record:
    rec: Record | None = None
    for story, hour in stories:
        update = Update(op="add", uri=uri, story_id=story, version=1, seen_at=f"2026-12-01T{hour:02d}:00:00.000000Z", type=type_,
                        name=uri.rsplit(":", 1)[-1], aliases=[story], mentions=2)  # fmt: skip
        rec, _ = apply_update(rec, update, now=NOW, window=window)
    assert rec is not None
    return rec


@pytest.mark.parametrize(("text", "expected"), [
    ("1h", "2026-12-01T11:00:00.000000Z"), ("30m", "2026-12-01T11:30:00.000000Z"), ("2d", "2026-11-29T12:00:00.000000Z"),
    ("2026-12-01", "2026-12-01T00:00:00.000000Z"), ("2026-12-01T10:00+01:00", "2026-12-01T09:00:00.000000Z"), (None, None),
])  # fmt: skip
def test_since_periods_and_times(text: str | None, expected: str | None) -> None:
    assert since_time(text, NOW) == expected


def test_a_bad_since_says_what_it_takes() -> None:
    with pytest.raises(BadSince, match="30m, 1h"):
        since_time("yesterday", NOW)


def test_ranking_by_stories_then_mentions_with_since_and_type() -> None:
    a = record("ws:person:a", [("s1", 8), ("s2", 9), ("s3", 11)])
    b = record("ws:org:b", [("s1", 11), ("s4", 11)], type_="ORG")
    assert [(r.record["uri"], r.stories) for r in rank([b, a])] == [("ws:person:a", 3), ("ws:org:b", 2)]
    recent = rank([a, b], since="2026-12-01T10:30:00.000000Z")
    assert [(r.record["uri"], r.stories, r.mentions) for r in recent] == [("ws:org:b", 2, 4), ("ws:person:a", 1, 2)]
    assert [r.record["uri"] for r in rank([a, b], types=["org"])] == ["ws:org:b"]
    assert len(rank([a, b], top=1)) == 1


def test_a_since_beyond_the_window_is_a_lower_bound() -> None:
    a = record("ws:person:a", [(f"s{h}", h) for h in range(1, 12)], window=3)
    (row,) = rank([a], since="2026-12-01T00:00:00.000000Z")
    assert (row.stories, row.lower_bound) == (3, True)
    assert format_rows([row])[1].split()[1] == "3+"


def test_lines() -> None:
    a = record("ws:person:a", [("s1", 8)])
    header, line = format_rows(rank([a]))
    assert header.split()[:3] == ["#", "stories", "mentions"] and "ws:person:a" in line and "(s1)" in line
    assert "ENTITY ws:person:a PERSON stories=1" in format_entity_record("wire.entities", dict(a))
