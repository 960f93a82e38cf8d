"""The enrichment library stays pure: no module under streams/enrich imports faust, kafka or aiokafka."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENRICH = Path(__file__).resolve().parents[3] / "streams" / "enrich"
FORBIDDEN = {"faust", "kafka", "aiokafka", "mode"}
MODULES = sorted(ENRICH.rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_there_are_modules_to_check() -> None:
    assert len(MODULES) >= 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENRICH)))
def test_no_streaming_imports(path: Path) -> None:
    assert not imported_roots(path) & FORBIDDEN


def test_checker_sees_nested_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from aiokafka import AIOKafkaConsumer\n    import faust.types\n")
    assert imported_roots(sample) == {"aiokafka", "faust"}
