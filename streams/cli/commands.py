"""CLI subcommands of `wirestream` (Faust `@app.command`): push, tail, kafka, demo, eval."""

from __future__ import annotations

import time
from pathlib import Path

import click
from faust.cli import AppCommand, argument, option

from streams.app import app, settings


@app.command(
    argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)),
    option("--topic", default=None, help="Target topic (default: WIRESTREAM_TOPIC_RAW)."),
)
async def push(self: AppCommand, paths: tuple[Path, ...], topic: str | None) -> None:
    """Push wire stories (.txt/.json/.xml files or folders of them) to the raw topic."""
    from tqdm import tqdm

    from streams.cli.wire import input_files, push_files

    files = input_files(paths)
    with tqdm(total=len(files), unit="story", desc="push") as bar:
        summary = push_files(files, settings, topic=topic, on_sent=lambda _p: bar.update(1))
    formats = ", ".join(f"{k}={v}" for k, v in sorted(summary.by_format.items())) or "-"
    self.say(f"sent {summary.sent} of {len(files)} files ({summary.bytes} bytes) to {topic or settings.topic_raw}: {formats}")
    for path, error in summary.failed:
        self.say(f"FAILED {path}: {error}")
    if summary.failed:
        raise SystemExit(1)


@app.command(
    argument("topic", default=None, required=False),
    option("--from-end", is_flag=True, help="Only show messages produced from now on."),
    option("--max", "max_messages", type=int, default=0, help="Exit after this many messages (0: never)."),
    option("--timeout", type=float, default=0.0, help="Exit after this many seconds (0: never)."),
    option("--json", "as_json", is_flag=True, help="Print each message value as JSON instead of a summary line."),
)
async def tail(self: AppCommand, topic: str | None, from_end: bool, max_messages: int, timeout: float, as_json: bool) -> None:
    """Print stories from an output topic, one line each: id, topics, top entities with stance."""
    import orjson

    from streams.cli.wire import format_event, interruptible, iter_messages, make_consumer

    name = topic or settings.topic_enriched
    consumer = make_consumer(settings, [name], from_end=from_end)
    count, deadline = 0, (time.monotonic() + timeout) if timeout else float("inf")

    def stop() -> bool:
        return (max_messages and count >= max_messages) or time.monotonic() > deadline

    try:
        with interruptible():
            for msg_topic, _key, value in iter_messages(consumer, stop=stop):
                count += 1
                self.say(orjson.dumps(value).decode() if as_json else format_event(msg_topic, value))
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


@app.command(argument("action", type=click.Choice(["up", "down", "status"])))
async def kafka(self: AppCommand, action: str) -> None:
    """Manage the local single-node KRaft broker: up (fetch jars, start, create topics), down, status."""
    from streams.kafka import local as kafka_local

    if action == "up":
        info = kafka_local.up(settings)  # also creates the topics, through the local listener
        self.say(f"broker up: {info}")
        self.say(f"topics: {', '.join(info.topics_created)}")
    elif action == "down":
        kafka_local.down(settings)
        self.say("broker stopped")
    else:
        self.say(str(kafka_local.status(settings)))


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
    option("--data-dir", type=click.Path(path_type=Path), default=Path("../shared/data"), help="Folder laid out like ../shared/data."),
    option("--out", type=click.Path(path_type=Path), default=Path("eval-report.json"), help="Where to write the JSON report."),
    option("--tasks", default="ner,stance,topics,lean,speed", help="Comma-separated subset of ner,stance,topics,lean,speed."),
    option("--predictions", type=click.Path(path_type=Path), default=None, help="Folder for per-task prediction JSONL files."),
    option("--limit", type=int, default=None, help="Score at most N items per task."),
)
async def eval(self: AppCommand, data_dir: Path, out: Path, tasks: str, predictions: Path | None, limit: int | None) -> None:  # noqa: A001 - the command is called eval
    """Score the enrichment library on data laid out like ../shared/data and write a report."""
    from streams.eval.run import main as eval_main

    argv = ["--data-dir", str(data_dir), "--out", str(out), "--tasks", tasks]
    if predictions:
        argv += ["--predictions", str(predictions)]
    if limit:
        argv += ["--limit", str(limit)]
    code = eval_main(argv)
    if code:
        raise SystemExit(code)
