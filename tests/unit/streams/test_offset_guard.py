"""The state agents' guard against offsets the Faust consumer skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faust.types import TP

from streams.agent_support import Gap, OffsetGuard

A, B = TP("wire.enriched", 0), TP("wire.enriched", 1)


@dataclass
class FakeConsumer:
    _committed_offset: dict[TP, int | None] = field(default_factory=dict)
    earliest: dict[TP, int] = field(default_factory=dict)

    async def earliest_offsets(self, *tps: TP) -> Mapping[TP, int]:
        return {tp: self.earliest[tp] for tp in tps if tp in self.earliest}


@dataclass
class FakeApp:
    consumer: FakeConsumer
    consumer_generation_id: int = 1


@dataclass
class Msg:
    tp: TP
    offset: int


@dataclass
class Ev:
    message: Msg


def events(*pairs: tuple[TP, int]) -> list[Any]:
    return [Ev(Msg(tp, offset)) for tp, offset in pairs]


def gaps(guard: OffsetGuard, *pairs: tuple[TP, int]) -> list[Gap]:
    return asyncio.run(guard.gaps(events(*pairs)))


def test_contiguous_offsets_from_the_committed_one_have_no_gap() -> None:
    guard = OffsetGuard(FakeApp(FakeConsumer({A: 10})))  # type: ignore[arg-type]
    assert gaps(guard, (A, 10), (A, 11), (A, 12)) == []
    assert gaps(guard, (A, 13)) == []


def test_a_jump_past_the_committed_offset_is_a_gap() -> None:
    guard = OffsetGuard(FakeApp(FakeConsumer({A: 10})))  # type: ignore[arg-type]
    assert gaps(guard, (A, 14)) == [Gap("wire.enriched", 0, 10, 14)]


def test_a_jump_between_batches_is_a_gap_and_redeliveries_are_not() -> None:
    guard = OffsetGuard(FakeApp(FakeConsumer({A: 0})))  # type: ignore[arg-type]
    assert gaps(guard, (A, 0), (A, 1)) == []
    assert gaps(guard, (A, 0), (A, 1), (A, 2)) == []  # at-least-once re-delivery
    assert gaps(guard, (A, 5)) == [Gap("wire.enriched", 0, 3, 5)]


def test_nothing_committed_starts_at_the_log_start() -> None:
    consumer = FakeConsumer({}, {A: 0, B: 40})
    guard = OffsetGuard(FakeApp(consumer))  # type: ignore[arg-type]
    assert gaps(guard, (B, 40), (B, 41)) == []  # retention removed 0..39: no gap
    assert gaps(guard, (A, 3)) == [Gap("wire.enriched", 0, 0, 3)]


def test_a_new_generation_starts_again_from_the_committed_offsets() -> None:
    app = FakeApp(FakeConsumer({A: 10}))
    guard = OffsetGuard(app)  # type: ignore[arg-type]
    assert gaps(guard, (A, 10), (A, 11)) == []
    app.consumer._committed_offset[A] = 30  # another worker processed up to 30 meanwhile
    app.consumer_generation_id = 2
    assert gaps(guard, (A, 30)) == []


def test_after_a_rebalance_what_this_worker_processed_is_not_a_gap() -> None:
    app = FakeApp(FakeConsumer({}, {A: 0}))
    guard = OffsetGuard(app)  # type: ignore[arg-type]
    assert gaps(guard, (A, 0), (A, 1), (A, 2)) == []  # processed, not committed yet
    app.consumer_generation_id = 2
    assert gaps(guard, (A, 3)) == []
    assert gaps(guard, (A, 6)) == [Gap("wire.enriched", 0, 4, 6)]


def test_a_commit_faust_does_not_know_yet_is_read_from_the_broker() -> None:
    """After a kill -9 Faust's own committed offset can still be unknown while the consumer resumes from the group's
    commit: that is no gap (it used to cost a restart)."""
    asked: list[str] = []

    async def on_broker(topic: str) -> Mapping[int, int]:
        asked.append(topic)
        return {0: 25}

    guard = OffsetGuard(FakeApp(FakeConsumer({}, {A: 0, B: 0})), on_broker)  # type: ignore[arg-type]
    assert gaps(guard, (A, 25), (A, 26)) == []
    assert gaps(guard, (B, 4)) == [Gap("wire.enriched", 1, 0, 4)]  # no commit on partition 1: from the log start
    assert asked == ["wire.enriched"]  # one question a topic and generation
    assert gaps(guard, (A, 30)) == [Gap("wire.enriched", 0, 27, 30)]


def test_no_answer_from_the_broker_falls_back_to_the_log_start() -> None:
    async def failing(topic: str) -> Mapping[int, int]:
        raise TimeoutError("broker away")

    guard = OffsetGuard(FakeApp(FakeConsumer({}, {A: 0})), failing)  # type: ignore[arg-type]
    assert gaps(guard, (A, 0), (A, 1)) == []


def test_the_broker_is_asked_only_when_a_partition_does_not_start_at_the_log_start() -> None:
    asked: list[str] = []

    async def on_broker(topic: str) -> Mapping[int, int]:
        asked.append(topic)
        return {}

    guard = OffsetGuard(FakeApp(FakeConsumer({}, {A: 0})), on_broker)  # type: ignore[arg-type]
    assert gaps(guard, (A, 0), (A, 1)) == []
    assert asked == []
