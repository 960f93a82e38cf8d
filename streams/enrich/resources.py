"""The one loader of the enrichment library's reference data files (``streams/enrich/data``).

File formats: ``.txt`` lists hold one entry a line; ``.tsv`` tables hold tab-separated columns.
In both, blank lines and lines starting with ``#`` are ignored.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


def _lines(name: str) -> list[str]:
    path = DATA_DIR / name
    out: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@cache
def word_list(name: str) -> frozenset[str]:
    """Entries of the list file ``name`` (as written; callers normalise case if they need to)."""
    return frozenset(_lines(name))


@cache
def table(name: str, columns: int) -> tuple[tuple[str, ...], ...]:
    """Rows of the TSV file ``name``; every row must have exactly ``columns`` fields."""
    rows: list[tuple[str, ...]] = []
    for line in _lines(name):
        fields = tuple(f.strip() for f in line.split("\t"))
        if len(fields) != columns:
            raise ValueError(f"{name}: expected {columns} tab-separated fields, got {len(fields)}: {line!r}")
        rows.append(fields)
    return tuple(rows)


@cache
def mapping(name: str) -> dict[str, str]:
    """A two-column TSV file as a dict (first column -> second)."""
    return dict(table(name, 2))  # type: ignore[arg-type]
