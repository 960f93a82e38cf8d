"""Running a list of fault cases on one environment, and reporting them: the table, the JSON report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from faults.cases import CaseResult, CaseSpec, run_case
from faults.env import FaultEnv

Say = Callable[[str], None]
#: One table column: its title and how a case's result shows in it.
Column = tuple[str, Callable[[CaseResult], str]]


def _result(r: CaseResult) -> str:
    return "PASS" if r.passed else ("ERROR" if r.error else "FAIL")


def _recover(r: CaseResult) -> str:
    seconds = r.details.get("recover_s")
    return "-" if seconds is None else f"{seconds:.1f}"


COUNTS: tuple[Column, ...] = (
    ("sent", lambda r: str(r.rec.sent)), ("enriched", lambda r: str(r.rec.enriched)), ("unique", lambda r: str(r.rec.unique)),
    ("dups", lambda r: str(r.rec.duplicates)), ("dead", lambda r: str(r.rec.dead_lettered)), ("lost", lambda r: str(r.rec.lost)),
)  # fmt: skip
#: The single-broker table; the cluster table shows the recovery time instead of the reason checks.
COLUMNS: tuple[Column, ...] = (
    *COUNTS, ("wrong", lambda r: str(r.rec.wrong_reason)), ("mixed", lambda r: str(r.rec.mixed_up)),
    ("unexp", lambda r: str(r.rec.unexpected)), ("crashes", lambda r: str(r.crashes)), ("secs", lambda r: f"{r.seconds:.0f}"),
    ("result", _result),
)  # fmt: skip
CLUSTER_COLUMNS: tuple[Column, ...] = (
    *COUNTS, ("crashes", lambda r: str(r.crashes)), ("recover_s", _recover), ("secs", lambda r: f"{r.seconds:.0f}"),
    ("result", _result),
)  # fmt: skip


def say(text: str) -> None:
    print(text, flush=True)


def table(results: Sequence[CaseResult], columns: Sequence[Column] = COLUMNS) -> list[str]:
    """The per-case table (fixed-width): the case name, then ``columns``."""
    rows = [("case", *(title for title, _ in columns))]
    rows += [(r.name, *(cell(r) for _, cell in columns)) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))) for row in rows]


def run_cases(
    env: FaultEnv,
    cases: Sequence[CaseSpec],
    start: str,
    *,
    title: str = "fault cases",
    columns: Sequence[Column] = COLUMNS,
    after_start: Callable[[], None] | None = None,
    say: Say = say,
) -> list[CaseResult]:
    """Start ``env``'s broker, run ``cases`` in order and print the table; ``env`` is closed whatever happens."""
    results: list[CaseResult] = []
    t0 = time.monotonic()
    try:
        say(start)
        env.start_broker()
        if after_start is not None:
            after_start()
        for name, body, overrides in cases:
            results.append(run_case(env, name, body, say, **overrides))
    except KeyboardInterrupt:
        say("interrupted; cleaning up")
    finally:
        env.close()
    say(f"\n{title} finished in {time.monotonic() - t0:.0f}s")
    for line in table(results, columns):
        say(line)
    return results


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def write_report(out: Path, sizes: Any, results: Sequence[CaseResult]) -> None:
    """The JSON report: the sizes, then per case its reconciliation, checks and details."""
    out.parent.mkdir(parents=True, exist_ok=True)
    report = [{**asdict(r.rec), "name": r.name, "crashes": r.crashes, "seconds": round(r.seconds, 1), "passed": r.passed,
               "checks": r.checks, "details": r.details, "error": r.error} for r in results]  # fmt: skip
    out.write_text(json.dumps(_jsonable({"sizes": asdict(sizes), "cases": report}), indent=2) + "\n")
