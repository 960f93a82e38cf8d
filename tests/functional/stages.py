"""Small stages for driving the agent without models: a fixed topic, and a stage that fails on a marker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.models import Topic
from streams.enrich.config import EnrichConfig
from streams.enrich.stage import StoryState, Update

POLITICS = Topic(code="medtop:11000000", name="politics", level=1, slug="politics", confidence=0.9)
FAIL_MARKER = "EXPLODE"


@dataclass(frozen=True)
class FixedTopic:
    name: str = "topics"
    version: str = "fixed-1"
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("topics",)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        if any(FAIL_MARKER in s.doc.body for s in batch):
            raise RuntimeError("this stage fails on the marker")
        return [{"topics": [POLITICS]} for _ in batch]


def build(config: EnrichConfig) -> FixedTopic:
    return FixedTopic()
