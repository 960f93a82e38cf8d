"""Process helpers for the benchmark: CPU time and peak memory from /proc (no psutil).

``free_port`` lives in :mod:`streams.cli.harness`; it is re-exported here for older imports.
"""

from __future__ import annotations

import os
from pathlib import Path

from streams.cli.harness import free_port

__all__ = ["cores", "cpu_model", "cpu_seconds", "descendants", "free_port", "peak_rss_mb", "status_kib", "tree_cpu"]

PROC = Path("/proc")


def status_kib(pid: int, field: str = "VmHWM") -> int | None:
    """A ``kB`` field of ``/proc/<pid>/status`` (peak resident set by default), or None if the process is gone."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (children first)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop(0)
        out.append(child)
        todo.extend(children.get(child, []))
    return out


def peak_rss_mb(pid: int) -> dict[str, float]:
    """Peak RSS (VmHWM, MiB) of ``pid`` and of each descendant, keyed ``main`` / ``child-<pid>``."""
    out: dict[str, float] = {}
    main = status_kib(pid)
    if main is not None:
        out["main"] = main / 1024
    for child in descendants(pid):
        kib = status_kib(child)
        if kib is not None:
            out[f"child-{child}"] = kib / 1024
    return out


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    try:
        for line in (PROC / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0))


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by ``pid`` (None if it is gone)."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of ``pid`` (``main``) and of its live descendants (``children``, summed)."""
    main = cpu_seconds(pid) or 0.0
    kids = sum(cpu_seconds(c) or 0.0 for c in descendants(pid))
    return {"main": main, "children": kids}
