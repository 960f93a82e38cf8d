"""Producer/consumer helpers behind the `push`, `tail` and `demo` commands (kafka-python, no Faust)."""

from __future__ import annotations

import difflib
import hashlib
import re
import shutil
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
from streams.output import FILE_HEADER
from streams.topics import Topics

#: What ``push FOLDER`` sends by default (the three input formats); ``--all`` sends every other file too.
DOCUMENTED_SUFFIXES = (".txt", ".json", ".xml")
SKIPPED_SUFFIXES = (".md",)


@dataclass
class InputSelection:
    """The files ``push`` will send, and those it left out with the reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _walk(folder: Path, selection: InputSelection, *, include_all: bool) -> None:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue  # hidden files and folders, e.g. .git
        if path.is_symlink() and not _inside(path, folder):
            selection.skipped.append((path, "symlink to outside the folder, not followed"))
            continue
        if path.is_dir():
            continue
        if not path.is_file():
            selection.skipped.append((path, "not a regular file"))
        elif not include_all and path.suffix.lower() not in DOCUMENTED_SUFFIXES:
            selection.skipped.append((path, f"not {'/'.join(DOCUMENTED_SUFFIXES)} (--all pushes it)"))
        elif include_all and path.suffix.lower() in SKIPPED_SUFFIXES:
            selection.skipped.append((path, "documentation"))
        else:
            selection.files.append(path)


def select_input_files(paths: Iterable[Path], *, include_all: bool = False) -> InputSelection:
    """What to push: files named on the command line as they are; under folders, .txt/.json/.xml files only.

    Hidden files are ignored; symlinks leading out of a folder are never followed. ``include_all`` pushes every
    other file under folders too (except Markdown), e.g. malformed samples meant for the dead-letter topic.
    """
    selection = InputSelection()
    for path in paths:
        if path.is_dir():
            _walk(path, selection, include_all=include_all)
        elif path.is_file():
            selection.files.append(path)
        else:
            raise FileNotFoundError(path)
    return selection


def input_files(paths: Iterable[Path], *, include_all: bool = True) -> list[Path]:
    """Files to push (see :func:`select_input_files`); by default every file under folders, as the demo pushes seeds/."""
    return select_input_files(paths, include_all=include_all).files


def oversize(files: Iterable[Path], settings: Settings) -> list[tuple[Path, int]]:
    """Files over ``WIRESTREAM_MAX_MESSAGE_BYTES``: the worker dead-letters them as ``too_large``."""
    sized = ((path, path.stat().st_size) for path in files)
    return [(path, size) for path, size in sized if size > settings.max_message_bytes]


def message_key(value: bytes, settings: Settings, fallback: str) -> bytes:
    """Partitioning key: the story id when the message parses (so versions stay in order), else ``fallback``."""
    try:
        story = parse_message(value, received_at=datetime.now(UTC), limits=IngestLimits.from_settings(settings))
    except IngestError:
        return ("unparsed:" + hashlib.sha256(fallback.encode()).hexdigest()[:16]).encode()  # no path in a key
    return story.id.encode()


@dataclass
class PushSummary:
    """What `push` sent."""

    sent: int = 0
    bytes: int = 0
    by_format: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)


def make_producer(settings: Settings) -> KafkaProducer:
    """A kafka-python producer that waits for all in-sync replicas (blocks at most ``WIRESTREAM_KAFKA_TIMEOUT_S``)."""
    return KafkaProducer(
        acks="all",
        linger_ms=5,
        retries=5,
        max_request_size=max(settings.max_message_bytes * 20, 1_048_576),
        max_block_ms=int(settings.kafka_timeout_s * 1000),
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
            headers = [(FILE_HEADER, path.name.encode())]
            futures.append((path, fmt, len(value), producer.send(target, key=key, value=value, headers=headers)))
        producer.flush()
        for path, fmt, size, fut in futures:
            try:
                fut.get(timeout=max(30.0, settings.kafka_timeout_s))
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


class UnknownTopic(LookupError):
    """``topic`` does not exist on the broker; ``known`` lists wirestream's topics that do."""

    def __init__(self, topic: str, known: list[str], close: list[str]) -> None:
        self.topic, self.known, self.close = topic, known, close
        super().__init__(f"topic {topic} does not exist")


def make_consumer(settings: Settings, topics: list[str], *, from_end: bool = False) -> KafkaConsumer:
    """A group-less consumer assigned every partition of ``topics``, at the start (or end).

    Raises :class:`UnknownTopic` for a topic the broker does not have.
    """
    consumer = KafkaConsumer(enable_auto_commit=False, consumer_timeout_ms=500, **settings.kafka_client_config())
    try:
        existing = consumer.topics()
        for name in topics:
            if name not in existing:
                ours = Topics.of(settings).all()
                known = [t for t in ours if t in existing] or ours
                raise UnknownTopic(name, known, difflib.get_close_matches(name, sorted(existing | set(ours)), n=2, cutoff=0.75))
        tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        consumer.assign(tps)
        if from_end:
            consumer.seek_to_end(*tps)
        else:
            consumer.seek_to_beginning(*tps)
    except BaseException:
        consumer.close()
        raise
    return consumer


@dataclass(frozen=True, slots=True)
class TailRecord:
    """One consumed message as ``tail`` shows it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes] = field(default_factory=dict)

    def json(self) -> dict | None:
        """The value as JSON, or None when it is not JSON (raw stories, plain text)."""
        try:
            decoded = orjson.loads(self.value or b"")
        except orjson.JSONDecodeError:
            return None
        return decoded if isinstance(decoded, dict) else None


def iter_records(consumer: KafkaConsumer, *, stop: Callable[[], bool]) -> Iterator[TailRecord]:
    """Yield every message as a :class:`TailRecord` until ``stop()`` says so."""
    while not stop():
        for msg in consumer:
            headers = {name: bytes(value or b"") for name, value in (msg.headers or [])}
            yield TailRecord(msg.topic, msg.partition, msg.offset, msg.key, msg.value, headers)
            if stop():
                return


def iter_messages(consumer: KafkaConsumer, *, stop: Callable[[], bool]) -> Iterator[tuple[str, bytes | None, dict]]:
    """Yield (topic, key, decoded JSON value) until ``stop()`` says so."""
    for record in iter_records(consumer, stop=stop):
        value = record.json()
        yield record.topic, record.key, value if value is not None else {"undecodable": True}


def _stance_mark(entity: dict) -> str:
    stance = entity.get("stance") or {}
    return {"positive": "+", "negative": "-", "neutral": "="}.get(stance.get("polarity", ""), "")


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _fit(line: str, tail: str, width: int | None, *, floor: int = 24) -> str:
    """``line`` plus as much of ``tail`` as fits ``width`` (at least ``floor`` characters of it)."""
    if not tail:
        return line
    room = max((width or 10_000) - len(line) - 1, floor)
    return f"{line} {_cut(tail, room)}"


_TRUNCATED = re.compile(r"^original truncated to its first ([\d,]+) of [\d,]+ bytes; ")


def _key_text(key: bytes | None) -> str:
    if not key:
        return "-"
    return _cut(key.decode("utf-8", "replace"), 60)


def format_dead_letter(topic: str, value: dict, *, key: bytes | None = None, headers: dict[str, bytes] | None = None,
                       width: int | None = None) -> str:  # fmt: skip
    """One line for a dead letter: reason, source offset, key, file name (``ws-file`` header) and the whole reason text."""
    where = f"{value.get('source_topic')}/{value.get('source_partition')}@{value.get('source_offset')}"
    parts = [f"[{topic}] DEAD {value['reason']:<16} {where:<22}"]
    if key is not None:
        parts.append(f"key={_key_text(key)}")
    file_name = (headers or {}).get(FILE_HEADER)
    if file_name:
        parts.append(f"file={file_name.decode('utf-8', 'replace')}")
    message = str(value.get("message", ""))
    truncated = _TRUNCATED.match(message)
    if truncated:  # the limit comes after this prefix: keep the reason first, the note last
        message = f"{message[truncated.end():]} (dead letter keeps the first {truncated.group(1)} bytes)"
    return _fit(" ".join(parts), message, width, floor=80)


def format_raw(topic: str, value: bytes | None, *, key: bytes | None = None, headers: dict[str, bytes] | None = None,
               width: int | None = None) -> str:  # fmt: skip
    """One line for a raw input message: key, size, detected format, file name and its first characters."""
    data = value or b""
    parts = [f"[{topic}] key={_key_text(key)} {len(data):,} B {sniff_format(data) or 'unknown'}"]
    file_name = (headers or {}).get(FILE_HEADER)
    if file_name:
        parts.append(f"file={file_name.decode('utf-8', 'replace')}")
    preview = data[:2000].decode("utf-8", "replace")
    return _fit(" ".join(parts), repr(_cut(preview, 400))[1:-1] if preview else "(empty)", width)


def format_event(topic: str, value: dict, *, top_entities: int = 4, key: bytes | None = None,
                 headers: dict[str, bytes] | None = None, width: int | None = None) -> str:  # fmt: skip
    """One line for `tail`: id, topics, top entities with stance, then the headline cut to ``width`` (or a dead letter)."""
    if "reason" in value and "original_b64" in value:
        return format_dead_letter(topic, value, key=key, headers=headers, width=width)
    ext = value.get("wirestream", {})
    headline = next((h.get("value", "") for h in value.get("headlines") or [] if isinstance(h, dict)), "")
    if ext.get("event") == "withdrawn":
        line = f"[{topic}] WITHDRAWN {ext.get('story_id')} v{ext.get('story_version')} ({value.get('pubStatus')})"
        return _fit(line, f"| {headline}" if headline else "", width)
    topics = ", ".join(f"{t['slug']}:{t['confidence']:.2f}" for t in ext.get("topics", []) if t.get("level") == 1) or "-"
    ents = ", ".join(f"{e['name']}[{e['type']}]{_stance_mark(e)}" for e in ext.get("entities", [])[:top_entities]) or "-"
    tone = (ext.get("tone") or {}).get("polarity", "-")
    notes = f" notes={','.join(ext['notes'])}" if ext.get("notes") else ""
    line = f"[{topic}] {ext.get('story_id')} v{ext.get('story_version')} lang={value.get('language')} topics={topics} tone={tone} entities={ents}{notes}"
    return _fit(line, f"| {headline}" if headline else "", width)


def format_record(record: TailRecord, topics: Topics, *, width: int | None = None) -> str:
    """The `tail` line of any wirestream message: raw inputs by size and format, outputs by their content."""
    value = record.json() if record.topic != topics.raw else None
    if value is None:
        return format_raw(record.topic, record.value, key=record.key, headers=record.headers, width=width)
    return format_event(record.topic, value, key=record.key, headers=record.headers, width=width)


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS``), 160 when not a terminal."""
    return shutil.get_terminal_size((160, 24)).columns


@contextmanager
def interruptible() -> Iterator[None]:
    """Let Ctrl-C and SIGTERM raise KeyboardInterrupt inside a blocking loop of a Faust command.

    Faust runs commands on an event loop whose signal handlers only take effect when the loop runs; a command
    blocked in kafka-python's poll would never see them, so a plain handler replaces them meanwhile.
    """

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    # The loop learns of signals through its wakeup fd too: detached, it never prints mode's "-INT- -INT- ...".
    wakeup_fd = _set_wakeup_fd(-1)
    try:
        yield
    finally:
        _set_wakeup_fd(wakeup_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _set_wakeup_fd(fd: int) -> int:
    try:
        return signal.set_wakeup_fd(fd)
    except ValueError:  # not the main thread
        return -1

