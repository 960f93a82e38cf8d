"""Testing-only fault injection, as a stage wrapper of the enrichment pipeline.

A worker started with ``WIRESTREAM_STAGE_WRAPPER=faults.inject:wrap`` wraps every stage with :func:`wrap`; the
rules come from ``WIRESTREAM_STAGE_WRAPPER_SPEC``: one or more ``;``-separated rules, each naming a stage and a
marker matched against the bodies of the stories the stage gets:

- ``raise:<stage>:<marker>``: the stage raises :class:`InjectedFault` (an ordinary stage error: the pipeline
  retries story by story, so only the marked story fails and is dead-lettered with stage ``enrich.<stage>``);
- ``sleep:<stage>:<seconds>:<marker>``: the stage first sleeps ``<seconds>`` (to overrun ``enrich_timeout_s``);
- ``crash:<stage>:<marker>``: the enriching process exits at once (as if killed by the OOM killer).

Nothing in the production path imports this module; ``make faults`` and the integration tests configure it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from streams.enrich.config import EnrichConfig
    from streams.enrich.stage import Stage, StoryState, Update

FaultKind = Literal["raise", "sleep", "crash"]
CRASH_EXIT_CODE = 70
SYNTAX = "raise:<stage>:<marker>, sleep:<stage>:<seconds>:<marker> or crash:<stage>:<marker>"


class InjectedFault(RuntimeError):
    """The error a ``raise`` rule throws from its stage."""


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One rule of a fault spec."""

    kind: FaultKind
    stage: str
    marker: str
    seconds: float = 0.0

    def matches(self, batch: Sequence[StoryState]) -> bool:
        return any(self.marker in state.doc.body for state in batch)


def parse_faults(spec: str | None) -> tuple[FaultRule, ...]:
    """Parse a ``WIRESTREAM_STAGE_WRAPPER_SPEC`` value; raises ValueError for a malformed rule."""
    rules: list[FaultRule] = []
    for part in (spec or "").split(";"):
        if not part.strip():
            continue
        kind, _, rest = part.strip().partition(":")
        fields = rest.split(":")
        if kind in ("raise", "crash") and len(fields) == 2 and all(fields):
            rules.append(FaultRule(kind, fields[0], fields[1]))  # type: ignore[arg-type]
        elif kind == "sleep" and len(fields) == 3 and fields[0] and fields[2]:
            try:
                seconds = float(fields[1])
            except ValueError:
                raise ValueError(f"bad fault rule {part!r}: <seconds> must be a number") from None
            rules.append(FaultRule("sleep", fields[0], fields[2], seconds))
        else:
            raise ValueError(f"bad fault rule {part!r}: use {SYNTAX}")
    return tuple(rules)


def apply_faults(rules: Sequence[FaultRule], batch: Sequence[StoryState]) -> None:
    """Sleep, raise or exit as the rules say for this batch."""
    for rule in rules:
        if not rule.matches(batch):
            continue
        if rule.kind == "sleep":
            time.sleep(rule.seconds)
        elif rule.kind == "raise":
            raise InjectedFault(f"injected fault in stage {rule.stage!r}")
        else:
            os._exit(CRASH_EXIT_CODE)


class FaultyStage:
    """``inner`` with the same name, version and contract, applying ``rules`` before each of its runs."""

    def __init__(self, inner: Stage, rules: Sequence[FaultRule]) -> None:
        self.inner = inner
        self.rules = tuple(rules)
        self.name = inner.name
        self.version = inner.version
        self.reads = inner.reads
        self.writes = inner.writes

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        apply_faults(self.rules, batch)
        return self.inner.run(batch)

    def __repr__(self) -> str:
        return f"FaultyStage({self.inner!r}, rules={list(self.rules)})"


def wrap(stage: Stage, config: EnrichConfig) -> Stage:
    """The :data:`~streams.enrich.stage.StageWrapper` of ``make faults``: ``stage`` with the rules of
    ``config.stage_wrapper_spec`` that name it (``stage`` itself when none do). Raises ValueError for a bad spec."""
    rules = [r for r in parse_faults(config.stage_wrapper_spec) if r.stage == stage.name]
    return FaultyStage(stage, rules) if rules else stage
