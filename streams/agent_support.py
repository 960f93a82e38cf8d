"""What every role's agents share: publishing through Faust's producer, retrying until acknowledged, their parts.

No agent is declared here, so importing it declares nothing on the app.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, Protocol, TypeVar

import faust
from faust.types import EventT

from streams import metrics
from streams.config import RESTART_EXIT, Settings
from streams.kafka.admin import committed_offsets

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Sends a batch's messages and returns the acknowledgements to await.
Send = Callable[[], Awaitable[list[Awaitable[object]]]]
#: The offsets the worker's group committed on a topic, by partition (partitions without a commit left out).
CommittedReader = Callable[[str], Awaitable[Mapping[int, int]]]


class FaustPublisher:
    """Publishes through the worker's Faust producer, bypassing attachments so we can await delivery."""

    def __init__(self, faust_app: faust.App) -> None:
        self.app = faust_app
        self._topics: dict[str, faust.TopicT] = {}

    async def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Awaitable[object]:
        if topic not in self._topics:
            self._topics[topic] = raw_topic(self.app, topic)
        return await self._topics[topic].send(key=key, value=value, headers=headers, force=True)


async def retry_until_done(attempt: Callable[[], Awaitable[object]], what: str) -> None:
    """Await ``attempt()`` until it succeeds, with backoff (0.5 s doubling to 10 s): every write is idempotent,
    so a broker that is away delays the batch and never drops it."""
    delay = 0.5
    while True:
        try:
            await attempt()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any producer failure: retry, never drop
            metrics.PUBLISH_RETRIES.inc()
            log.warning("writing %s failed (%r); retrying in %.1fs", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def until_acknowledged(send: Send, what: str) -> None:
    """Run ``send`` and await every acknowledgement it returns, retrying the whole batch until all succeed."""

    async def attempt() -> None:
        for fut in await send():
            await fut

    await retry_until_done(attempt, what)


def raw_topic(faust_app: faust.App, name: str) -> faust.TopicT:
    """A topic of raw bytes (keys and values), as every wirestream agent reads and writes them."""
    return faust_app.topic(name, key_serializer="raw", value_serializer="raw")


def bytes_table(faust_app: faust.App, name: str, changelog: str, partitions: int, help: str) -> faust.types.TableT:  # noqa: A002
    """A table of bytes to bytes whose changelog is the topic ``changelog`` (compacted, created with the others)."""
    return faust_app.Table(name, key_type=bytes, value_type=bytes, partitions=partitions,
                           changelog_topic=raw_topic(faust_app, changelog), help=help)  # fmt: skip


class TableWriter(Protocol):
    """Sets (or deletes, for None) a table row and sends it to the table's changelog partition; the awaitable
    resolves on acknowledgement."""

    async def write(self, table: Any, partition: int, key: bytes, value: bytes | None) -> Awaitable[object]: ...


def _store(table: Any, key: bytes, value: bytes | None) -> None:
    if value is None:
        table.data.pop(key, None)
    else:
        table.data[key] = value


class FaustTableWriter:
    """Writes through Faust: the table's store, then ``Table.send_changelog`` to the given partition."""

    async def write(self, table: Any, partition: int, key: bytes, value: bytes | None) -> Awaitable[object]:
        _store(table, key, value)
        fut: Awaitable[object] = table.send_changelog(partition, key, value)
        return fut


class PublisherTableWriter:
    """Tests: the table's store, and the changelog message on a publisher (header ``ws-partition``)."""

    def __init__(self, publisher: Any) -> None:
        self.publisher = publisher

    async def write(self, table: Any, partition: int, key: bytes, value: bytes | None) -> Awaitable[object]:
        _store(table, key, value)
        topic = table.changelog_topic.get_topic_name()
        return await self.publisher.send(topic, key, value or b"", [("ws-partition", str(partition).encode())])


class Parts(Generic[T]):
    """An agent module's working parts: built on first use when the worker starts, or installed by a test."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None

    def get(self) -> T:
        """The parts, built on first use."""
        if self._value is None:
            self._value = self._build()
        return self._value

    def install(self, value: T | None) -> None:
        """Use ``value`` instead of the built parts (functional tests); None goes back to building them."""
        self._value = value


@dataclass(frozen=True, slots=True)
class Gap:
    """Offsets ``[first, seen)`` of one partition that the consumer never delivered."""

    topic: str
    partition: int
    first: int
    seen: int


class OffsetGuard:
    """Notices offsets the Faust consumer skipped on an input topic whose offsets are contiguous (not compacted).

    faust-streaming's consumer can drop messages around a rebalance: a fetch that straddles the seek back to the
    committed offsets delivers a later offset first, and the earlier ones are then dropped as already read
    (faust-streaming #216, #221; seen here in the state worker after ``kill -9``). They never reach the agent and the
    offsets after them get committed. The guard follows each partition from its committed offset at assignment
    (Faust's own; else the log start, or when the first message delivered is past it the group's commit read from
    the broker by ``committed``, since after a ``kill -9`` Faust may not know it yet), or from past what this worker
    itself processed before a rebalance when that is later (done, only not committed yet), and reports a jump before
    any message after it is acknowledged, so the committed offset is still at or before the gap.
    """

    def __init__(self, faust_app: faust.App, committed: CommittedReader | None = None) -> None:
        self.app = faust_app
        self.committed = committed
        self.next: dict[Any, int] = {}  # every generation: the offset after the last one this worker saw
        self.started: set[Any] = set()  # partitions seen in this generation
        self.generation: int | None = None
        self._broker_commits: dict[str, Mapping[int, int]] = {}  # this generation's answers, by topic

    async def _broker_committed(self, tp: Any) -> int | None:
        if self.committed is None:
            return None
        if tp.topic not in self._broker_commits:
            try:
                self._broker_commits[tp.topic] = await self.committed(tp.topic)
            except Exception as exc:  # noqa: BLE001 - no answer: fall back to the log start (may restart once)
                log.warning("could not read the committed offsets of %s: %r", tp.topic, exc)
                self._broker_commits[tp.topic] = {}
        return self._broker_commits[tp.topic].get(tp.partition)

    async def _start(self, tp: Any, offset: int) -> int | None:
        """Where ``tp`` should resume, given that the first message delivered has ``offset``."""
        committed = getattr(self.app.consumer, "_committed_offset", {}).get(tp)
        if committed is not None:
            return int(committed)
        try:
            earliest = await self.app.consumer.earliest_offsets(tp)
        except Exception:  # noqa: BLE001 - no answer: this partition cannot be checked until the next assignment
            earliest = {}
        start = int(earliest[tp]) if tp in earliest else None
        if start is not None and offset > start:  # not at the log start: the broker may know a commit Faust does not
            on_broker = await self._broker_committed(tp)
            if on_broker is not None:
                return on_broker
        return start

    async def gaps(self, events: Sequence[EventT]) -> list[Gap]:
        """The gaps in ``events`` (one batch, in delivery order) given what this guard saw before."""
        generation = getattr(self.app, "consumer_generation_id", None)
        if generation != self.generation:
            self.started.clear()
            self._broker_commits.clear()
            self.generation = generation
        found = []
        for event in events:
            tp, offset = event.message.tp, event.message.offset
            want = self.next.get(tp)
            if tp not in self.started:
                # after a rebalance: from the committed offset, or from what this worker already processed before
                # it (a commit may not have happened yet: those messages are not skipped, they are done)
                self.started.add(tp)
                known = [v for v in (await self._start(tp, offset), want) if v is not None]
                want = max(known) if known else None
            if want is None:
                want = offset
            if offset > want:
                found.append(Gap(tp.topic, tp.partition, want, offset))
            self.next[tp] = max(want, offset + 1)
        return found


def broker_committed(settings: Settings) -> CommittedReader:
    """A :data:`CommittedReader` for the worker's group (``settings.group_id``), asking the broker in a thread (the
    admin client blocks)."""

    async def read(topic: str) -> Mapping[int, int]:
        return await asyncio.to_thread(committed_offsets, settings, settings.group_id, topic, timeout_s=10.0)

    return read


def restart_for(gaps: Sequence[Gap]) -> NoReturn:
    """Stop the worker at once, without committing, so its supervisor restarts it and the consumer re-reads the
    skipped messages from the committed offsets (at-least-once; every output is idempotent)."""
    for gap in gaps:  # a log line, not a metric: the process is gone before the next scrape
        log.error("the consumer skipped %s[%d] offsets %d..%d: exiting (status %d) to re-read them after a restart",
                  gap.topic, gap.partition, gap.first, gap.seen - 1, RESTART_EXIT)  # fmt: skip
    logging.shutdown()
    os._exit(RESTART_EXIT)


async def at_least_once(faust_app: faust.App, stream: faust.StreamT, size: int, within: float,
                        handle: Callable[[Sequence[EventT]], Awaitable[None]],
                        committed: CommittedReader | None = None) -> None:  # fmt: skip
    """The state agents' loop: batches of up to ``size`` events (or what came ``within`` seconds), each handled
    before its offsets may be committed (an extra reference per message until ``handle`` returned, every write
    acknowledged; a crash before re-delivers the batch), and the worker restarted when the consumer skipped offsets
    (:class:`OffsetGuard`)."""
    guard = OffsetGuard(faust_app, committed)
    # take_events exists on faust.Stream but is missing from the StreamT protocol
    async for events in stream.take_events(size, within=within):  # type: ignore[attr-defined]
        for event in events:
            event.message.incref()
        if gaps := await guard.gaps(events):
            restart_for(gaps)
        await handle(events)
        for event in events:
            event.message.decref()
