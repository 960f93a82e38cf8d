"""The `wirestream` command line as a user sees it: help, version, log levels, kafka status (issue 17, 10 and 11; #9, 4)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from streams.__main__ import LogLevel, build_cli, version_text

REPO = Path(__file__).resolve().parents[3]


def run(*args: str, home: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    if home is not None:
        full_env.update(WIRESTREAM_HOME=str(home), WIRESTREAM_KAFKA_PORT="1", WIRESTREAM_KAFKA_CONTROLLER_PORT="2")
    return subprocess.run([sys.executable, "-m", "streams", *args], capture_output=True, text=True, env=full_env,
                          cwd=REPO, timeout=60, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def root_help() -> str:
    done = run("--help")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_lists_wirestream_commands_first_and_faust_commands_apart(root_help: str) -> None:
    ours, _, faust_part = root_help.partition("Faust commands")
    assert "wirestream commands" in ours
    for name in ("worker", "push", "tail", "kafka", "demo", "eval"):
        assert f"\n  {name} " in ours
    for name in ("agents", "livecheck", "send", "tables", "reset"):
        assert f"\n  {name} " in faust_part and f"\n  {name} " not in ours
    assert "Welcome, see list of commands" not in root_help and "WIRESTREAM_KAFKA_BOOTSTRAP" in root_help


def test_version_is_wirestream_then_faust() -> None:
    import faust

    from streams import __version__

    done = run("--version")
    assert done.stdout.strip() == version_text()
    assert done.stdout.startswith(f"wirestream {__version__} (Faust {faust.__version__}")


def test_worker_help_speaks_of_metrics_and_has_no_web_server_by_default() -> None:
    text = " ".join(run("worker", "--help").stdout.split())
    assert "WIRESTREAM_METRICS_PORT" in text and "/metrics" in text and "9108" in text
    assert "[default: without-web]" in text


def test_tail_help_states_default_topic_and_from_the_beginning() -> None:
    text = " ".join(run("tail", "--help").stdout.split())
    assert "wire.enriched" in text and "from its beginning" in text and "WIRESTREAM_TOPIC_ENRICHED" in text


def test_eval_tasks_default_names_only_existing_tasks() -> None:
    text = " ".join(run("eval", "--help").stdout.split())
    from streams.eval.run import ALL_TASKS, DEFAULT_TASKS

    shown = text.split("--tasks")[1].split("--predictions")[0]
    assert ",".join(DEFAULT_TASKS) in shown.replace(" ", "") and set(DEFAULT_TASKS) <= set(ALL_TASKS)
    assert "lean" not in ALL_TASKS


@pytest.mark.parametrize(
    ("typed", "name"), [("warning", "warning"), ("WARNING", "warning"), ("warn", "warning"), ("critical", "critical"), ("crit", "critical"), ("info", "info")]
)
def test_loglevel_accepts_pythons_spellings(typed: str, name: str) -> None:
    kind = LogLevel(["CRIT", "ERROR", "WARN", "INFO", "DEBUG"])
    assert kind.convert(typed, None, None) == name
    logging.getLevelNamesMapping()[name.upper()]  # a level Python's logging (and so mode) can set up


def test_worker_loglevel_option_uses_the_lenient_type() -> None:
    from faust.cli.faust import cli

    group = build_cli(cli)
    worker = group.commands["worker"]
    (level,) = [p for p in worker.params if p.name == "loglevel"]
    assert isinstance(level.type, LogLevel) and level.type.convert("warning", None, None) == "warning"
    with pytest.raises(click.BadParameter):
        level.type.convert("loud", None, None)


def test_minus_l_warning_is_accepted_on_the_command_line(tmp_path: Path) -> None:
    done = run("-l", "warning", "kafka", "status", home=tmp_path)
    assert "is not one of" not in done.stderr
    assert done.returncode == 3


@pytest.mark.parametrize("level", ["warning", "critical"])
def test_worker_starts_its_logging_at_pythons_level_names(tmp_path: Path, level: str) -> None:
    done = run("worker", "-l", level, home=tmp_path, WIRESTREAM_KAFKA_BOOTSTRAP="127.0.0.1:1", WIRESTREAM_KAFKA_TIMEOUT_S="1",
               WIRESTREAM_METRICS_PORT="0")  # fmt: skip
    assert "is not one of" not in done.stderr and "CANNOT SETUP LOGGING" not in done.stderr
    assert done.returncode == 1 and "cannot reach the Kafka broker at 127.0.0.1:1" in done.stderr


def test_kafka_status_exits_3_and_down_says_it_was_not_running(tmp_path: Path) -> None:
    status = run("kafka", "status", home=tmp_path)
    assert status.returncode == 3 and status.stdout.startswith("not running on port 1")
    assert "BrokerStatus(" not in status.stdout
    down = run("kafka", "down", home=tmp_path)
    assert down.returncode == 0 and "was not running" in down.stdout


@pytest.mark.parametrize(("args", "shown"), [(("worker", "--loglevel", "info"), "(info)"), (("-l", "info", "worker"), "(info)"),
                                             (("worker",), "(warn)")])  # fmt: skip
def test_the_worker_logs_at_the_level_it_was_given(args: tuple[str, ...], shown: str, tmp_path: Path) -> None:
    """A subcommand's `-l info` must not be shadowed by the root option's default (Faust keeps the first non-default)."""
    done = run(*args, "--without-web", home=tmp_path, WIRESTREAM_KAFKA_BOOTSTRAP="127.0.0.1:1", WIRESTREAM_KAFKA_TIMEOUT_S="1",
               WIRESTREAM_METRICS_PORT="0")  # fmt: skip
    banner = next(line for line in (done.stdout + done.stderr).splitlines() if "| log " in line)
    assert shown in banner.lower(), banner
