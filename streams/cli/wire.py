"""Producer/consumer helpers behind the `push`, `tail` and `demo` commands (kafka-python, no Faust)."""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.config import Settings
from streams.ingest import IngestError, IngestLimits, parse_message, sniff_format

SKIPPED_SUFFIXES = (".md",)


def _pushable(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and path.suffix.lower() not in SKIPPED_SUFFIXES


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Files to push: the given files, and every file under given folders except Markdown and hidden ones (sorted).

    Folders usually hold .txt/.json/.xml stories; other files are pushed too, so malformed samples reach the
    dead-letter topic like any bad producer's message would.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if _pushable(p) and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(path)
    return found


def message_key(value: bytes, settings: Settings, fallback: str) -> bytes:
    """Partitioning key: the story id when the message parses (so versions stay in order), else ``fallback``."""
    try:
        story = parse_message(value, received_at=datetime.now(UTC), limits=IngestLimits.from_settings(settings))
    except IngestError:
        return ("unparsed:" + hashlib.sha256(fallback.encode()).hexdigest()[:16]).encode()
    return story.id.encode()


@dataclass
class PushSummary:
    """What `push` sent."""

    sent: int = 0
    bytes: int = 0
    by_format: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)


def make_producer(settings: Settings) -> KafkaProducer:
    """A kafka-python producer that waits for all in-sync replicas."""
    return KafkaProducer(
        acks="all",
        linger_ms=5,
        retries=5,
        max_request_size=max(settings.max_message_bytes * 20, 1_048_576),
        **settings.kafka_client_config(),
    )


def push_files(
    files: list[Path],
    settings: Settings,
    *,
    topic: str | None = None,
    on_sent: Callable[[Path], None] | None = None,
    producer: KafkaProducer | None = None,
) -> PushSummary:
    """Produce each file's bytes as one message to the raw topic and wait for every acknowledgement."""
    summary = PushSummary()
    own = producer is None
    producer = producer or make_producer(settings)
    target = topic or settings.topic_raw
    try:
        futures = []
        for path in files:
            value = path.read_bytes()
            fmt = sniff_format(value) or "unknown"
            key = message_key(value, settings, str(path))
            futures.append((path, fmt, len(value), producer.send(target, key=key, value=value)))
        producer.flush()
        for path, fmt, size, fut in futures:
            try:
                fut.get(timeout=30)
            except Exception as exc:  # noqa: BLE001 - report every failed file, keep going
                summary.failed.append((str(path), repr(exc)))
                continue
            summary.sent += 1
            summary.bytes += size
            summary.by_format[fmt] = summary.by_format.get(fmt, 0) + 1
            if on_sent:
                on_sent(path)
    finally:
        if own:
            producer.close()
    return summary


def make_consumer(settings: Settings, topics: list[str], *, from_end: bool = False) -> KafkaConsumer:
    """A group-less consumer assigned every partition of ``topics``, at the start (or end)."""
    consumer = KafkaConsumer(enable_auto_commit=False, consumer_timeout_ms=500, **settings.kafka_client_config())
    tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
    consumer.assign(tps)
    if from_end:
        consumer.seek_to_end(*tps)
    else:
        consumer.seek_to_beginning(*tps)
    return consumer


def iter_messages(consumer: KafkaConsumer, *, stop: Callable[[], bool]) -> Iterator[tuple[str, bytes | None, dict]]:
    """Yield (topic, key, decoded JSON value) until ``stop()`` says so."""
    while not stop():
        for msg in consumer:
            try:
                value = orjson.loads(msg.value)
            except orjson.JSONDecodeError:
                value = {"undecodable": True}
            yield msg.topic, msg.key, value
            if stop():
                return


def _stance_mark(entity: dict) -> str:
    stance = entity.get("stance") or {}
    return {"positive": "+", "negative": "-", "neutral": "="}.get(stance.get("polarity", ""), "")


def format_event(topic: str, value: dict, *, top_entities: int = 4) -> str:
    """One line for `tail`: id, topics, top entities with stance (or the dead letter's reason)."""
    if "reason" in value and "original_b64" in value:
        where = f"{value.get('source_topic')}/{value.get('source_partition')}@{value.get('source_offset')}"
        return f"[{topic}] DEAD {value['reason']:<16} {where:<22} {value.get('message', '')[:100]}"
    ext = value.get("wirestream", {})
    if ext.get("event") == "withdrawn":
        return f"[{topic}] WITHDRAWN {ext.get('story_id')} v{ext.get('story_version')} ({value.get('pubStatus')})"
    topics = ", ".join(f"{t['slug']}:{t['confidence']:.2f}" for t in ext.get("topics", []) if t.get("level") == 1) or "-"
    ents = ", ".join(f"{e['name']}[{e['type']}]{_stance_mark(e)}" for e in ext.get("entities", [])[:top_entities]) or "-"
    tone = (ext.get("tone") or {}).get("polarity", "-")
    notes = f" notes={','.join(ext['notes'])}" if ext.get("notes") else ""
    return f"[{topic}] {ext.get('story_id')} v{ext.get('story_version')} lang={value.get('language')} topics={topics} tone={tone} entities={ents}{notes}"


@contextmanager
def interruptible() -> Iterator[None]:
    """Let Ctrl-C and SIGTERM raise KeyboardInterrupt inside a blocking loop of a Faust command.

    Faust runs commands on an event loop whose signal handlers only take effect when the loop runs; a command
    blocked in kafka-python's poll would never see them, so the default behaviour is restored meanwhile.
    """

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

