"""`wirestream entities [--top N] [--since 1h]`: the most-mentioned entities, read from the compacted registry topic.

Reads every partition of ``wire.entities`` (:meth:`streams.topics.Topics.registry`) from its beginning to its end
offsets with a group-less consumer, keeps the latest record per entity uri (what compaction keeps), and ranks them
by live stories naming them, then mentions. ``--since`` counts only stories that reached wirestream in that last
period, from each record's window of recent stories (``EntityRecord.stories``); a count marked ``+`` is a lower
bound (the window no longer reaches back that far).

Example::

    lines = entity_lines(settings, top=10, since="1h")   # what the command prints
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from streams.config import Settings
from streams.registry.merge import Record, story_count
from streams.registry.route import iso
from streams.topics import Topics

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class BadSince(ValueError):
    """``--since`` is neither a period (``30m``, ``1h``, ``2d``, ``1w``) nor an ISO date/time."""


def since_time(text: str | None, now: datetime | None = None) -> str | None:
    """The earliest arrival time ``--since`` admits, in the registry's time form; None for no limit.

    ``"1h"`` -> an hour before ``now``; an ISO date or time (``2026-12-01``, ``2026-12-01T10:00Z``) as given (UTC
    when it has no offset). Raises :class:`BadSince` otherwise.
    """
    if not text:
        return None
    now = now or datetime.now(UTC)
    m = _PERIOD.match(text.lower())
    if m:
        return iso(now - timedelta(**{_UNITS[m.group(2)]: float(m.group(1))}))
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadSince(f"--since {text!r}: give a period such as 30m, 1h, 2d, 1w or an ISO date/time") from None
    return iso(when if when.tzinfo else when.replace(tzinfo=UTC))


def read_topic(settings: Settings, topic: str, *, timeout_s: float = 30.0) -> list[Any]:
    """Every message of ``topic`` (kafka-python ``ConsumerRecord``s, partition by partition in offset order), read
    from the beginning up to the end offsets of now.

    Raises ``streams.cli.wire.UnknownTopic`` when the topic does not exist, ``TimeoutError`` after ``timeout_s``.
    """
    from kafka import TopicPartition

    from streams.cli.wire import make_consumer

    consumer = make_consumer(settings, [topic])
    messages: list[Any] = []
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        ends = consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} took more than {timeout_s:.0f}s")
            for batch in consumer.poll(timeout_ms=500, max_records=2000).values():
                messages.extend(m for m in batch if m.offset < ends[TopicPartition(m.topic, m.partition)])
    finally:
        consumer.close()
    messages.sort(key=lambda m: (m.partition, m.offset))
    return messages


def read_latest(settings: Settings, topic: str, *, timeout_s: float = 30.0) -> dict[str, Any]:
    """The latest JSON value per key of a compacted ``topic`` (what compaction keeps; tombstones remove), read up
    to the end offsets of now. Raises as :func:`read_topic`."""
    latest: dict[str, Any] = {}
    for msg in read_topic(settings, topic, timeout_s=timeout_s):
        if not msg.key:
            continue
        key = msg.key.decode("utf-8", "replace")
        if msg.value:
            latest[key] = orjson.loads(msg.value)
        else:
            latest.pop(key, None)
    return latest


def read_records(settings: Settings, *, timeout_s: float = 30.0) -> dict[str, Record]:
    """The latest record per uri on the registry topic (:func:`read_latest` of ``wire.entities``)."""
    return read_latest(settings, Topics.of(settings).entities, timeout_s=timeout_s)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One line of the ranking."""

    record: Record
    stories: int
    mentions: int
    lower_bound: bool  # --since reaches further back than the record's window of stories


def rank(records: Iterable[Record], *, top: int = 20, since: str | None = None, types: Sequence[str] = ()) -> list[Ranked]:
    """The ``top`` records by stories (then mentions, then uri), counting only stories seen at/after ``since``."""
    wanted = {t.upper() for t in types}
    rows = []
    for record in records:
        if wanted and record["type"] not in wanted:
            continue
        stories, mentions = story_count(record, since)
        if stories <= 0:
            continue
        window = record["stories"]
        partial = since is not None and record["folded_stories"] > 0 and (not window or window[0]["seen_at"] > since)
        rows.append(Ranked(record, stories, mentions, partial))
    rows.sort(key=lambda r: (-r.stories, -r.mentions, r.record["uri"]))
    return rows[: max(top, 0)]


def format_rows(rows: Sequence[Ranked], *, width: int | None = None) -> list[str]:
    """A table: rank, stories, mentions, type, uri, name, other names/aliases (cut to ``width``)."""
    lines = [f"{'#':>3} {'stories':>7} {'mentions':>8} {'type':<6} {'uri':<34} name (aliases)"]
    for i, row in enumerate(rows, 1):
        rec = row.record
        others = [a for a in dict.fromkeys([*rec["names"], *rec["aliases"]]) if a != rec["name"]][:4]
        name = f"{rec['name']} ({', '.join(others)})" if others else rec["name"]
        count = f"{row.stories}{'+' if row.lower_bound else ''}"
        line = f"{i:>3} {count:>7} {row.mentions:>8} {rec['type']:<6} {rec['uri']:<34} {name}"
        lines.append(line if width is None or len(line) <= width else line[: max(width - 1, 0)] + "…")
    return lines


def entity_lines(settings: Settings, *, top: int = 20, since: str | None = None, types: Sequence[str] = (),
                 as_json: bool = False, width: int | None = None, now: datetime | None = None) -> list[str]:  # fmt: skip
    """What `wirestream entities` prints: the ranking table, or with ``as_json`` one JSON object per entity
    (``rank``, ``stories``, ``mentions``, ``lower_bound`` and the record without its story window)."""
    rows = rank(read_records(settings).values(), top=top, since=since_time(since, now), types=types)
    if not as_json:
        return format_rows(rows, width=width) if rows else ["no entities" + (f" seen since {since}" if since else "")]
    out = []
    for i, row in enumerate(rows, 1):
        brief = {k: v for k, v in row.record.items() if k != "stories"}
        out.append(orjson.dumps({"rank": i, "stories": row.stories, "mentions": row.mentions, "lower_bound": row.lower_bound, **brief}).decode())
    return out


def format_entity_record(topic: str, value: dict, *, width: int | None = None) -> str:
    """One `tail` line for a ``wire.entities`` record (for ``streams.cli.wire.format_event``)."""
    line = (f"[{topic}] ENTITY {value.get('uri')} {value.get('type')} stories={value.get('story_count')} "
            f"mentions={value.get('mention_count')} last_seen={value.get('last_seen')} | {value.get('name')}")  # fmt: skip
    return line if width is None or len(line) <= width else line[: max(width - 1, 0)] + "…"


def run(settings: Settings, *, top: int, since: str | None, types: Sequence[str], as_json: bool,
        say: Callable[[str], None], width: int | None = None) -> None:  # fmt: skip
    """Print the ranking with ``say``; raises BadSince, BrokerUnreachable, UnknownTopic or TimeoutError."""
    from streams.kafka.admin import check_broker, quiet_kafka_logs

    since_time(since)  # a bad --since fails before connecting
    with quiet_kafka_logs():
        check_broker(settings)
        for line in entity_lines(settings, top=top, since=since, types=types, as_json=as_json, width=width):
            say(line)
