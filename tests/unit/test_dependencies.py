"""Every third-party module the runtime code imports is a declared runtime dependency (a fresh install has it)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME = ("streams", "schemas")


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for package in RUNTIME:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - set(RUNTIME) - {"__future__"}


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[=<>!~ \[;]", dep, maxsplit=1)[0].lower().replace("_", "-") for dep in project["dependencies"]}


def test_runtime_imports_are_declared_dependencies() -> None:
    dists = packages_distributions()
    declared = _declared()
    missing = {}
    for module in sorted(_imported_top_levels()):
        owners = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not owners & declared:
            missing[module] = sorted(owners)
    assert not missing, f"imported by streams/ or schemas/ but not in [project].dependencies: {missing}"
