"""What `push` selects under a folder: documented extensions, no symlinks out, skipped files listed (issue 17, 2 and 6)."""

from __future__ import annotations

from pathlib import Path

from streams.cli.wire import input_files, oversize, select_input_files
from streams.config import Settings


def _tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("do not push me")
    folder = tmp_path / "stories"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("date 2026-01-01\nA story.")
    (folder / "sub" / "b.JSON").write_text("{}")
    (folder / "c.xml").write_text("<newsItem/>")
    (folder / "notes.log").write_text("log")
    (folder / "pic.png").write_bytes(b"\x89PNG")
    (folder / "README.md").write_text("# doc")
    (folder / ".hidden.txt").write_text("hidden")
    (folder / "link.txt").symlink_to(outside / "secret.txt")
    (folder / "linkdir").symlink_to(outside, target_is_directory=True)
    (folder / "inner.txt").symlink_to(folder / "a.txt")  # a link that stays inside is fine
    return folder


def test_push_folder_sends_documented_extensions_and_never_follows_symlinks_out(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    selection = select_input_files([folder])
    assert [p.relative_to(folder).as_posix() for p in selection.files] == ["a.txt", "c.xml", "inner.txt", "sub/b.JSON"]
    skipped = {p.name: why for p, why in selection.skipped}
    assert set(skipped) == {"link.txt", "linkdir", "notes.log", "pic.png", "README.md"}
    assert "symlink" in skipped["link.txt"] and "symlink" in skipped["linkdir"]
    assert "--all" in skipped["notes.log"]
    assert not any("secret" in str(p) for p in selection.files)


def test_push_all_sends_other_files_but_still_not_symlinks_out(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    selection = select_input_files([folder], include_all=True)
    names = {p.name for p in selection.files}
    assert {"notes.log", "pic.png", "a.txt"} <= names
    assert "link.txt" not in names and "README.md" not in names and ".hidden.txt" not in names
    assert input_files([folder]) == selection.files  # the demo's default: every sample file


def test_a_file_named_on_the_command_line_is_pushed_whatever_its_extension(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("x")
    assert select_input_files([log]).files == [log]


def test_empty_folder_selects_nothing(tmp_path: Path) -> None:
    assert select_input_files([tmp_path]).files == []


def test_oversize_names_files_over_the_message_limit(tmp_path: Path) -> None:
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_bytes(b"x" * 1024)
    big.write_bytes(b"x" * 2049)
    assert oversize([small, big], Settings(max_message_bytes=2048)) == [(big, 2049)]
