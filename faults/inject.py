"""Testing-only fault injection into the enrichment runner (``WIRESTREAM_FAULT_INJECT``).

A spec is one or more ``;``-separated rules, applied in the process that enriches (the runner's child):

- ``raise:<stage>:<marker>``: enriching a batch that holds a story whose body contains ``<marker>`` raises an
  error attributed to ``<stage>`` (the runner then retries story by story, so only that story fails);
- ``sleep:<stage>:<seconds>:<marker>``: such a batch first sleeps ``<seconds>`` (to overrun ``enrich_timeout_s``);
- ``crash:<stage>:<marker>``: the enriching process exits at once (as if killed by the OOM killer).

Never set it in production: it exists so ``make faults`` and the integration tests can exercise the real
time budget, per-story retry and crash isolation of :mod:`streams.runner`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from streams.enrich.document import Document

FaultKind = Literal["raise", "sleep", "crash"]
CRASH_EXIT_CODE = 70


class InjectedFault(RuntimeError):
    """The error a ``raise`` rule throws; ``stage`` names the stage it pretends to come from (picklable)."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(stage, message)

    @property
    def stage(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return str(self.args[1])


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One rule of a fault spec."""

    kind: FaultKind
    stage: str
    marker: str
    seconds: float = 0.0

    def matches(self, docs: Sequence[Document]) -> bool:
        return any(self.marker in doc.body for doc in docs)


def parse_faults(spec: str | None) -> tuple[FaultRule, ...]:
    """Parse a ``WIRESTREAM_FAULT_INJECT`` value; raises ValueError for a malformed rule."""
    rules: list[FaultRule] = []
    for part in (spec or "").split(";"):
        if not part.strip():
            continue
        kind, _, rest = part.strip().partition(":")
        fields = rest.split(":")
        if kind in ("raise", "crash") and len(fields) == 2 and all(fields):
            rules.append(FaultRule(kind, fields[0], fields[1]))  # type: ignore[arg-type]
        elif kind == "sleep" and len(fields) == 3 and fields[0] and fields[2]:
            rules.append(FaultRule("sleep", fields[0], fields[2], float(fields[1])))
        else:
            raise ValueError(f"bad fault rule {part!r}: use raise:<stage>:<marker>, sleep:<stage>:<seconds>:<marker> or crash:<stage>:<marker>")
    return tuple(rules)


def apply_faults(rules: Sequence[FaultRule], docs: Sequence[Document]) -> None:
    """Sleep, raise or exit as the rules say for this batch of ``docs``."""
    for rule in rules:
        if not rule.matches(docs):
            continue
        if rule.kind == "sleep":
            time.sleep(rule.seconds)
        elif rule.kind == "raise":
            raise InjectedFault(rule.stage, f"injected fault in stage {rule.stage!r}")
        else:
            os._exit(CRASH_EXIT_CODE)
