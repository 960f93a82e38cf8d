"""The evaluation report: a flat JSON object of ``task.dataset.metric`` keys, and a readable table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_report(report: Mapping[str, Any], out: Path) -> None:
    """Write ``report`` as indented JSON (keys sorted) to ``out``, creating its folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def format_table(report: Mapping[str, Any]) -> str:
    """Metrics one per line, grouped by task, scores with 3 decimals; then skipped tasks."""
    lines: list[str] = []
    metrics = {k: v for k, v in report.items() if "." in k and isinstance(v, int | float) and not isinstance(v, bool)}
    width = max((len(k) for k in metrics), default=10)
    task = None
    for key in sorted(metrics):
        head = key.split(".", 1)[0]
        if head != task:
            if task is not None:
                lines.append("")
            task = head
        value = metrics[key]
        shown = f"{value:.3f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
        lines.append(f"{key:<{width}}  {shown:>10}")
    skipped = report.get("skipped") or {}
    if skipped:
        lines.append("")
        lines.extend(f"skipped {task}: {why}" for task, why in sorted(skipped.items()))
    return "\n".join(lines)
