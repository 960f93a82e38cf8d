"""Push known messages, read what the worker published, and account for every one of them.

Shared by ``make faults`` (:mod:`faults`) and the fast integration tests (tests/integration/test_faults_fast.py).
Every input is expected either on the enriched topic (matched by story id = key, same body, same source offset)
or on the dead-letter topic (matched by source partition and offset) with one of its expected reasons.
Duplicates are allowed only as idempotent overwrites: the same key and version (at-least-once delivery).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.cli.wire import make_producer
from streams.config import Settings


@dataclass(frozen=True, slots=True)
class Expect:
    """What should become of one input: ``enriched``, or ``dead`` with one of ``reasons`` (and stage prefix)."""

    outcome: str  # "enriched" | "dead"
    category: str
    reasons: frozenset[str] = frozenset()
    stage: str | None = None  # expected dead-letter stage, e.g. "enrich.topics"
    story_id: str | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to push."""

    key: bytes | None
    value: bytes | None
    expect: Expect


@dataclass(frozen=True, slots=True)
class Sent:
    """A pushed message and where the broker stored it."""

    partition: int
    offset: int
    expect: Expect


@dataclass
class Outputs:
    """Everything read so far from the enriched and dead-letter topics."""

    enriched: list[tuple[bytes | None, dict]] = field(default_factory=list)
    dead: list[tuple[bytes | None, dict]] = field(default_factory=list)


class OutputReader:
    """Reads a case's enriched and dead-letter topics from the beginning, incrementally (group-less)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.outputs = Outputs()
        self._consumer = KafkaConsumer(enable_auto_commit=False, fetch_max_bytes=64 * 1024 * 1024,
                                       max_partition_fetch_bytes=32 * 1024 * 1024, **settings.kafka_client_config())
        topics = [settings.topic_enriched, settings.topic_deadletter]
        tps = [TopicPartition(t, p) for t in topics for p in sorted(self._consumer.partitions_for_topic(t) or [])]
        self._consumer.assign(tps)
        self._consumer.seek_to_beginning(*tps)

    def poll(self, timeout_s: float = 1.0) -> int:
        """Read what is available (waiting up to ``timeout_s``); returns how many messages arrived."""
        got = 0
        for records in self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=5000).values():
            for msg in records:
                try:
                    value = orjson.loads(msg.value) if msg.value is not None else {}
                except orjson.JSONDecodeError:
                    value = {"undecodable": True}
                target = self.outputs.enriched if msg.topic == self.settings.topic_enriched else self.outputs.dead
                target.append((msg.key, value))
                got += 1
        return got

    def close(self) -> None:
        self._consumer.close()


@dataclass
class Reconciliation:
    """Counts for one case (see the module docstring for the rules)."""

    sent: int = 0
    expected_enriched: int = 0
    expected_dead: int = 0
    enriched: int = 0
    unique: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    dead_as_expected: int = 0  # inputs expected on the dead-letter topic that arrived there with an expected reason
    lost: int = 0
    wrong_reason: int = 0
    mixed_up: int = 0  # enriched event whose body/source does not match its input, or duplicate with another version
    unexpected: int = 0  # outputs that match no input, or a valid input dead-lettered
    reasons: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.wrong_reason == 0 and self.mixed_up == 0 and self.unexpected == 0

    def note(self, text: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(text)


def _int(value: object) -> int:
    return value if isinstance(value, int) else -1


def reconcile(sent: Sequence[Sent], outputs: Outputs) -> Reconciliation:
    """Account for every sent message in ``outputs``."""
    rec = Reconciliation(sent=len(sent))
    by_story: dict[str, list[Sent]] = {}  # a producer replay sends a story more than once
    for s in sent:
        if s.expect.outcome == "enriched" and s.expect.story_id:
            by_story.setdefault(s.expect.story_id, []).append(s)
    by_offset = {(s.partition, s.offset): s for s in sent}
    rec.expected_enriched = len(by_story)
    rec.expected_dead = sum(1 for s in sent if s.expect.outcome == "dead")

    seen_enriched: dict[str, set[tuple[int, str]]] = {}
    for key, event in outputs.enriched:
        rec.enriched += 1
        ext = event.get("wirestream", {})
        story_id = str(ext.get("story_id") or "")
        sends = by_story.get(story_id)
        if not sends or key != story_id.encode():
            rec.unexpected += 1
            rec.note(f"enriched event matches no input: key={key!r} story_id={story_id!r}")
            continue
        body = next((b.get("value") for b in event.get("bodies", []) if b.get("role") == "main"), None)
        src = ext.get("source", {})
        if body != sends[0].expect.body or (src.get("partition"), src.get("offset")) not in {(t.partition, t.offset) for t in sends}:
            rec.mixed_up += 1
            rec.note(f"enriched {story_id} does not match its input (source {src})")
        seen_enriched.setdefault(story_id, set()).add((int(ext.get("story_version") or 0), str(event.get("version"))))
    rec.unique = len(seen_enriched)
    rec.duplicates = rec.enriched - rec.unique
    for story_id, versions in seen_enriched.items():
        if len(versions) > 1:
            rec.mixed_up += 1
            rec.note(f"{story_id} published with different versions {versions}")

    seen_dead: set[tuple[int, int]] = set()
    for _key, letter in outputs.dead:
        rec.dead_lettered += 1
        where = (_int(letter.get("source_partition")), _int(letter.get("source_offset")))
        target = by_offset.get(where)
        reason = str(letter.get("reason"))
        if target is None:
            rec.unexpected += 1
            rec.note(f"dead letter matches no input: {where} {reason}")
            continue
        rec.reasons[reason] += 1
        if where in seen_dead:
            rec.duplicates += 1
            continue
        seen_dead.add(where)
        exp = target.expect
        if exp.outcome != "dead":
            rec.unexpected += 1
            rec.note(f"valid input {exp.story_id} ({exp.category}) dead-lettered: {reason} {letter.get('stage')} {letter.get('message', '')[:200]}")
        elif reason not in exp.reasons or (exp.stage is not None and letter.get("stage") != exp.stage):
            rec.wrong_reason += 1
            rec.note(f"{exp.category} at {where}: got {reason}/{letter.get('stage')}, expected {sorted(exp.reasons)}/{exp.stage}")
        else:
            rec.dead_as_expected += 1

    for s in sent:
        if s.expect.outcome == "enriched" and s.expect.story_id not in seen_enriched:
            if (s.partition, s.offset) not in seen_dead:
                rec.lost += 1
                rec.note(f"lost: {s.expect.category} {s.expect.story_id} at {s.partition}@{s.offset}")
        elif s.expect.outcome == "dead" and (s.partition, s.offset) not in seen_dead:
            rec.lost += 1
            rec.note(f"lost: {s.expect.category} at {s.partition}@{s.offset}")
    return rec


def accounted(sent: Sequence[Sent], outputs: Outputs) -> int:
    """How many sent messages already have an output (cheap progress check)."""
    stories = {event.get("wirestream", {}).get("story_id") for _k, event in outputs.enriched}
    offsets = {(letter.get("source_partition"), letter.get("source_offset")) for _k, letter in outputs.dead}
    return sum(
        1 for s in sent
        if (s.expect.outcome == "enriched" and s.expect.story_id in stories) or (s.partition, s.offset) in offsets
    )  # fmt: skip


def wait_accounted(reader: OutputReader, sent: Sequence[Sent], *, timeout_s: float, settle_s: float = 2.0,
                   on_tick: Callable[[], None] | None = None) -> bool:
    """Read outputs until every sent message is accounted for (then ``settle_s`` more for stragglers)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reader.poll(1.0)
        if on_tick:
            on_tick()
        if accounted(sent, reader.outputs) >= len(sent):
            end = time.monotonic() + settle_s
            while time.monotonic() < end:
                reader.poll(0.5)
            return True
    return False


class Pusher:
    """Produces messages and records where each one landed; can pace them in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.producer: KafkaProducer = make_producer(settings)
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def push(self, messages: Iterable[Outgoing]) -> list[Sent]:
        """Send ``messages`` and wait for every acknowledgement."""
        futures = [(m, self.producer.send(self.settings.topic_raw, key=m.key, value=m.value)) for m in messages]
        self.producer.flush()
        out = []
        for m, fut in futures:
            meta = fut.get(timeout=120)
            out.append(Sent(meta.partition, meta.offset, m.expect))
        with self._lock:
            self.sent.extend(out)
        return out

    def pace(self, messages: Sequence[Outgoing], rate_per_s: float, chunk: int = 10) -> None:
        """Push ``messages`` at about ``rate_per_s`` in a background thread (see :meth:`join`)."""

        def run() -> None:
            start = time.monotonic()
            try:
                for i in range(0, len(messages), chunk):
                    due = start + i / rate_per_s
                    time.sleep(max(0.0, due - time.monotonic()))
                    self.push(messages[i : i + chunk])
            except BaseException as exc:  # noqa: BLE001 - reported by join()
                self.error = exc

        self._thread = threading.Thread(target=run, name="fault-pusher", daemon=True)
        self._thread.start()

    @property
    def pacing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout_s: float = 600) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self.error is not None:
            raise RuntimeError(f"pushing failed: {self.error!r}") from self.error

    def close(self) -> None:
        self.producer.close(timeout=10)
