"""CLI subcommands of `wirestream` (Faust `@app.command`): push, tail, kafka, demo, eval.

Errors are one line on stderr (``error: ...``) and an exit code (:data:`EXIT_FAILED`, ...), never a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from faust.cli import AppCommand, argument, option

from streams.app import app, settings
from streams.eval.run import EVAL_OPTIONS, argv_of

if TYPE_CHECKING:
    from streams.kafka.admin import BrokerUnreachable
    from streams.kafka.local import BrokerInfo, BrokerStatus


#: Exit codes: 1 a command failed (push: a file was not sent, the broker is unreachable); 2 bad usage or a missing
#: topic (tail); 3 the local broker is not running (kafka status), as service tools report it.
EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING = 1, 2, 3
_SKIPPED_SHOWN = 20


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _fail(message: str, code: int) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def _unreachable(exc: BrokerUnreachable) -> str:
    return f"{exc}; is it running (`wirestream kafka up`)? Set WIRESTREAM_KAFKA_BOOTSTRAP, or WIRESTREAM_KAFKA_TIMEOUT_S to wait longer"


@app.command(
    argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)),
    option("--topic", default=None, help="Target topic  [default: WIRESTREAM_TOPIC_RAW, wire.raw]"),
    option("--all", "all_files", is_flag=True, help="Under folders, push every file, not only .txt/.json/.xml."),
)
async def push(self: AppCommand, paths: tuple[Path, ...], topic: str | None, all_files: bool) -> None:
    """Push wire stories to the raw topic: files as given, and the .txt/.json/.xml files under folders.

    Symlinks leading out of a folder are skipped, as are hidden files; every skipped file is listed. A file over
    WIRESTREAM_MAX_MESSAGE_BYTES is pushed with a warning (the worker dead-letters it as too_large). Each message
    carries its file name in the ws-file header. The broker is WIRESTREAM_KAFKA_BOOTSTRAP [localhost:9092], waited
    for WIRESTREAM_KAFKA_TIMEOUT_S [10] seconds. Exits 1 if the broker is unreachable, nothing is pushed or a file fails.
    """
    from tqdm import tqdm

    from streams.cli.wire import interruptible, oversize, push_files, select_input_files
    from streams.kafka.admin import BrokerUnreachable, check_broker, quiet_kafka_logs

    selection = select_input_files(paths, include_all=all_files)
    for path, why in selection.skipped[:_SKIPPED_SHOWN]:
        _warn(f"skipped {path}: {why}")
    if len(selection.skipped) > _SKIPPED_SHOWN:
        _warn(f"... and {len(selection.skipped) - _SKIPPED_SHOWN} more skipped")
    files = selection.files
    if not files:
        where = ", ".join(map(str, paths))
        _fail(f"nothing to push: no .txt/.json/.xml file in {where} ({len(selection.skipped)} skipped; --all pushes every file)", EXIT_FAILED)
    for path, size in oversize(files, settings):
        _warn(f"{path} is {size:,} bytes, over WIRESTREAM_MAX_MESSAGE_BYTES ({settings.max_message_bytes:,}): "
              "the worker will dead-letter it as too_large")  # fmt: skip
    target = topic or settings.topic_raw
    try:
        with interruptible(), quiet_kafka_logs():
            check_broker(settings)
            with tqdm(total=len(files), unit="story", desc="push") as bar:
                summary = push_files(files, settings, topic=target, on_sent=lambda _p: bar.update(1))
    except BrokerUnreachable as exc:
        _fail(_unreachable(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        _fail("interrupted; some files may have been sent", EXIT_FAILED)
    formats = ", ".join(f"{k}={v}" for k, v in sorted(summary.by_format.items())) or "-"
    self.say(f"sent {summary.sent} of {len(files)} files ({summary.bytes} bytes) to {target}: {formats}")
    for failed_path, error in summary.failed:
        click.echo(f"FAILED {failed_path}: {error}", err=True)
    if summary.failed:
        raise SystemExit(EXIT_FAILED)


@app.command(
    argument("topic", default=None, required=False),
    option("--from-end", is_flag=True, help="Only show messages produced from now on (default: from the beginning)."),
    option("--max", "max_messages", type=int, default=0, help="Exit after this many messages (0: never)."),
    option("--timeout", type=float, default=0.0, help="Exit after this many seconds (0: never)."),
    option("--json", "as_json", is_flag=True, help="Print each message value as JSON instead of a summary line."),
)
async def tail(self: AppCommand, topic: str | None, from_end: bool, max_messages: int, timeout: float, as_json: bool) -> None:
    """Print the messages of a topic, one line each, from its beginning (--from-end: new ones only).

    TOPIC defaults to WIRESTREAM_TOPIC_ENRICHED [wire.enriched]. Enriched events show id, version, IPTC topics,
    tone, top entities with stance (+ - =) and the headline; dead letters their reason, source offset, key and
    file; raw messages (wire.raw) their size, detected format and first characters. Lines are cut to the terminal
    width. Runs until Ctrl-C, --max or --timeout. Exits 2 if the topic does not exist or the broker
    (WIRESTREAM_KAFKA_BOOTSTRAP, waited for WIRESTREAM_KAFKA_TIMEOUT_S [10] s) cannot be reached.
    """
    import orjson

    from streams.cli.wire import UnknownTopic, format_record, interruptible, iter_records, make_consumer, terminal_width
    from streams.kafka.admin import BrokerUnreachable, check_broker, quiet_kafka_logs
    from streams.topics import Topics

    name = topic or settings.topic_enriched
    topics, width = Topics.of(settings), terminal_width()
    count, deadline = 0, (time.monotonic() + timeout) if timeout else float("inf")

    def stop() -> bool:
        return bool(max_messages and count >= max_messages) or time.monotonic() > deadline

    with interruptible(), quiet_kafka_logs():
        try:
            check_broker(settings)
            consumer = make_consumer(settings, [name], from_end=from_end)
        except BrokerUnreachable as exc:
            _fail(_unreachable(exc), EXIT_USAGE)
        except UnknownTopic as exc:
            hint = f" (did you mean {' or '.join(exc.close)}?)" if exc.close else ""
            _fail(f"topic {exc.topic} does not exist{hint}; wirestream topics: {', '.join(exc.known)}", EXIT_USAGE)
        except KeyboardInterrupt:
            return
        try:
            for record in iter_records(consumer, stop=stop):
                count += 1
                value = record.json() if as_json else None
                self.say(orjson.dumps(value).decode() if value is not None else format_record(record, topics, width=width))
        except KeyboardInterrupt:
            pass
        finally:
            consumer.close()


@app.command(
    argument("action", type=click.Choice(["up", "down", "status"])),
    option("--brokers", type=click.Choice(["1", "3"]), default="1", show_default=True,
           help="3: a local 3-node KRaft cluster (replication factor 3, min.insync.replicas 2) on ports 9192..9197."),  # fmt: skip
)
async def kafka(self: AppCommand, action: str, brokers: str) -> None:
    """Manage the local single-node KRaft broker on 127.0.0.1:WIRESTREAM_KAFKA_PORT [9092] (or a 3-node cluster).

    up: fetch the jars with Maven on first use, start the broker (or reuse a running one) and create the
    wirestream topics; down: stop it; status: print its state, exit 3 when it is not running. State and logs live
    under WIRESTREAM_HOME [~/.cache/wirestream]; the version is WIRESTREAM_KAFKA_VERSION [4.1.1].
    """
    from streams.kafka import local as kafka_local

    if brokers == "3":
        from streams.kafka import cluster

        code = cluster.main([action])
        if code:
            raise SystemExit(EXIT_NOT_RUNNING if action == "status" else code)
        return
    if action == "up":
        try:
            info = kafka_local.up(settings)  # also creates the topics, through the local listener
        except kafka_local.BrokerError as exc:
            _fail(str(exc), EXIT_FAILED)
        for line in broker_up_lines(info):
            self.say(line)
    elif action == "down":
        pid = kafka_local.down(settings)
        self.say(f"broker stopped (pid {pid}, port {settings.kafka_port})" if pid is not None
                 else f"broker was not running on port {settings.kafka_port} (home {settings.home}); nothing to stop")  # fmt: skip
    else:
        state = kafka_local.status(settings)
        self.say(broker_status_line(state))
        if not state.running:
            raise SystemExit(EXIT_NOT_RUNNING)


def broker_up_lines(info: BrokerInfo) -> list[str]:
    """What ``kafka up`` prints: where the broker runs, its log, and which topics were created."""
    verb = "started" if info.started else "already running"
    lines = [f"Kafka {info.version} broker {verb} at {info.bootstrap} (pid {info.pid})", f"  log: {info.log_file}"]
    existing = [t for t in info.topics if t not in info.topics_created]
    if info.topics_created:
        lines.append(f"  topics created ({len(info.topics_created)}): {', '.join(info.topics_created)}")
        if existing:
            lines.append(f"  topics already there: {len(existing)}")
    elif info.topics:
        lines.append(f"  no topic created: all {len(info.topics)} wirestream topics already exist")
    return lines


def broker_status_line(state: BrokerStatus) -> str:
    """What ``kafka status`` prints: one line, running or not."""
    if state.running:
        return (f"running at 127.0.0.1:{state.port}, pid {state.pid}, Kafka {state.version or '?'}, "
                f"log {state.log_file}")  # fmt: skip
    detail = state.detail.removeprefix("not running").strip(" ;")
    return f"not running on port {state.port} (home {state.home}){f': {detail}' if detail else ''}"


@app.command(option("--once", is_flag=True, help="Exit by itself once every seed is enriched or dead-lettered."))
async def demo(self: AppCommand, once: bool) -> None:
    """Start a local broker and a worker, push seeds/, print enriched events and metrics."""
    from streams.cli.demo import run_demo
    from streams.cli.wire import interruptible

    with interruptible():  # run_demo catches the KeyboardInterrupt and stops the worker (and its broker)
        code = run_demo(settings, once=once, say=self.say)
    if code:
        raise SystemExit(code)


@app.command(
    *[
        option(o.flag, type=click.Path(path_type=Path) if o.type is Path else o.type, default=o.default,
               multiple=o.multiple, show_default=not o.multiple and o.default is not None, help=o.help)  # fmt: skip
        for o in EVAL_OPTIONS
    ]
)
async def eval(self: AppCommand, **values: Any) -> None:  # noqa: A001 - the command is called eval
    """Score the enrichment library on data laid out like ../shared/data and write a report."""
    from streams.eval.run import main as eval_main

    code = eval_main(argv_of(values))
    if code:
        raise SystemExit(code)


@app.command(
    argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)),
    option("--all", "include_all", is_flag=True, help="Under folders, take every file, not only .txt/.json/.xml."),
)
async def enrich(self: AppCommand, paths: tuple[Path, ...], include_all: bool) -> None:
    """Enrich files or folders of stories without a broker; print one event (or dead letter) per file as JSON lines.

    Each line is what the worker would publish for that file as a message: the same parsing, stages
    (WIRESTREAM_STAGES) and models. Exit code 1 when any file was dead-lettered.
    """
    import sys

    from schemas.models import DeadLetter
    from streams.cli.enrich_files import enrich_files, json_line
    from streams.cli.wire import input_files

    files = input_files(paths, include_all=include_all)
    if not files:
        self.say(f"no story files under {', '.join(map(str, paths))}", file=sys.stderr)
        raise SystemExit(2)
    failed = 0
    async for _path, output in enrich_files(files, settings):
        failed += isinstance(output, DeadLetter)
        print(json_line(output), flush=True)
    if failed:
        raise SystemExit(1)


@app.command(option("--top", type=int, default=10, show_default=True, help="How many clusters to print."))
async def clusters(self: AppCommand, top: int) -> None:
    """Print the largest open event clusters (wire.clusters): size, representative headline, sources, entities."""
    from streams.cli.clusters import clusters_command
    from streams.kafka.admin import BrokerUnreachable

    try:
        code = clusters_command(settings, top)
    except BrokerUnreachable as exc:
        _fail(_unreachable(exc), EXIT_USAGE)
    if code:
        raise SystemExit(code)


@app.command(
    option("--top", type=int, default=20, show_default=True, help="How many entities to print."),
    option("--since", default=None, help="Count only stories seen in this last period: 30m, 1h, 2d, 1w, or an ISO date/time."),
    option("--type", "types", multiple=True, help="Only these types (PERSON, ORG, GPE, LOC, MISC); repeatable."),
    option("--json", "as_json", is_flag=True, help="One JSON object per entity instead of the table."),
)
async def entities(self: AppCommand, top: int, since: str | None, types: tuple[str, ...], as_json: bool) -> None:
    """Print the most-mentioned entities of the registry (wire.entities), with their stable ids and story counts."""
    from streams.cli.entities import BadSince, run
    from streams.cli.wire import UnknownTopic, terminal_width
    from streams.kafka.admin import BrokerUnreachable

    try:
        run(settings, top=top, since=since, types=types, as_json=as_json, say=self.say, width=terminal_width())
    except BadSince as exc:
        _fail(str(exc), EXIT_USAGE)
    except BrokerUnreachable as exc:
        _fail(_unreachable(exc), EXIT_USAGE)
    except UnknownTopic as exc:
        _fail(f"topic {exc.topic} does not exist: is a worker with the registry running?", EXIT_USAGE)
    except TimeoutError as exc:
        _fail(str(exc), EXIT_FAILED)
