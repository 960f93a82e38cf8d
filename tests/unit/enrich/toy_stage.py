"""A stage defined outside the library, configured by import path (used by test_enrich_pipeline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streams.enrich.config import EnrichConfig
from streams.enrich.stage import Stage, StoryState, Update


@dataclass(frozen=True)
class ToyStage:
    name: str = "toy"
    version: str = "1"
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("notes",)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        return [{"notes": [f"toy:{len(s.doc.headline.split())} words"]} for s in batch]


def build(config: EnrichConfig) -> ToyStage:
    return ToyStage()


@dataclass(frozen=True)
class Shouting:
    """Wraps a stage and appends the wrapper spec to every note it writes."""

    inner: Stage
    suffix: str

    def __getattr__(self, attr: str) -> object:
        return getattr(self.inner, attr)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        return [{**u, "notes": [n + self.suffix for n in u.get("notes", [])]} if "notes" in u else u for u in self.inner.run(batch)]


def shout(stage: Stage, config: EnrichConfig) -> Stage:
    return Shouting(stage, config.stage_wrapper_spec or "")  # type: ignore[return-value]
