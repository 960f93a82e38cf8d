"""`push`, `tail` and `kafka up` against the real broker, and against none (issue 17, 2, 4, 5, 6, 11, 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.config import Settings
from streams.topics import Topics

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def cli(settings: Settings, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", **settings.as_env(), **env}
    return subprocess.run([sys.executable, "-m", "streams", *args], capture_output=True, text=True, env=full_env,
                          cwd=REPO, timeout=timeout, check=False)  # fmt: skip


def test_tail_of_a_missing_topic_names_it_and_lists_the_topics(unique_settings: Settings) -> None:
    done = cli(unique_settings, "tail", "wire.nope")
    assert done.returncode == 2
    assert f"error: topic wire.nope does not exist; wirestream topics: {unique_settings.topic_raw}" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    typo = cli(unique_settings, "tail", Topics.of(unique_settings).iptc("polotics"))
    assert typo.returncode == 2 and f"did you mean {Topics.of(unique_settings).iptc('politics')}" in typo.stderr


def test_push_skips_what_it_must_and_tail_shows_raw_messages(unique_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text("date 2026-03-01\nHarbour reopens\n\nThe harbour reopened on Monday.")
    (folder / "big.txt").write_bytes(b"date 2026-03-01\n" + b"x" * 3000)
    (folder / "notes.log").write_text("not a story")
    (folder / "link.txt").symlink_to("/etc/passwd")
    small = {"WIRESTREAM_MAX_MESSAGE_BYTES": "2048"}
    pushed = cli(unique_settings, "push", str(folder), **small)
    assert pushed.returncode == 0, pushed.stderr
    assert "skipped" in pushed.stderr and "link.txt: symlink to outside the folder" in pushed.stderr
    assert "notes.log: not .txt/.json/.xml" in pushed.stderr
    assert "big.txt is 3,016 bytes, over WIRESTREAM_MAX_MESSAGE_BYTES (2,048)" in pushed.stderr and "too_large" in pushed.stderr
    assert "sent 2 of 2 files" in pushed.stdout
    tailed = cli(unique_settings, "tail", unique_settings.topic_raw, "--max", "2", "--timeout", "30")
    assert tailed.returncode == 0, tailed.stderr
    lines = sorted(tailed.stdout.splitlines())
    assert len(lines) == 2 and all("None" not in line and "plaintext" in line for line in lines)
    assert "file=story.txt" in "\n".join(lines) and "Harbour reopens" in "\n".join(lines)


def test_push_of_an_empty_folder_fails_with_a_warning(unique_settings: Settings, tmp_path: Path) -> None:
    done = cli(unique_settings, "push", str(tmp_path))
    assert done.returncode == 1 and "nothing to push" in done.stderr


@pytest.mark.parametrize(("command", "code"), [("push", 1), ("tail", 2)])
def test_unreachable_broker_is_one_line_and_a_short_wait(unique_settings: Settings, tmp_path: Path, command: str, code: int) -> None:
    story = tmp_path / "s.txt"
    story.write_text("date 2026-03-01\nA headline\n\nA body.")
    args = [command, str(story)] if command == "push" else [command]
    start = time.monotonic()
    done = cli(unique_settings, *args, WIRESTREAM_KAFKA_BOOTSTRAP="127.0.0.1:1", WIRESTREAM_KAFKA_TIMEOUT_S="2")
    assert time.monotonic() - start < 20
    assert done.returncode == code
    assert done.stderr.strip().splitlines() == [
        "error: cannot reach the Kafka broker at 127.0.0.1:1 after 2 s; is it running (`wirestream kafka up`)? "
        "Set WIRESTREAM_KAFKA_BOOTSTRAP, or WIRESTREAM_KAFKA_TIMEOUT_S to wait longer"
    ]


def test_kafka_up_twice_says_it_reused_the_broker_and_created_nothing(kafka_settings: Settings) -> None:
    first = cli(kafka_settings, "kafka", "up")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Kafka {kafka_settings.kafka_version} broker already running at {kafka_settings.kafka_bootstrap} (pid ")
    second = cli(kafka_settings, "kafka", "up")
    assert f"no topic created: all {len(Topics.of(kafka_settings).all())} wirestream topics already exist" in second.stdout
    status = cli(kafka_settings, "kafka", "status")
    assert status.returncode == 0 and status.stdout.startswith(f"running at {kafka_settings.kafka_bootstrap}, pid ")
