"""A stage for the runner tests: sleeps past the time budget on SLOW, kills its process on CRASH."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

from streams.enrich.config import EnrichConfig
from streams.enrich.stage import StoryState, Update


@dataclass(frozen=True)
class Moody:
    name: str = "moody"
    version: str = "1"
    reads: tuple[str, ...] = ("doc",)
    writes: tuple[str, ...] = ("notes",)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        bodies = " ".join(s.doc.body for s in batch)
        if "CRASH" in bodies:
            os._exit(70)
        if "SLOW" in bodies:
            time.sleep(30)
        return [{"notes": ["moody:ok"]} for _ in batch]


def build(config: EnrichConfig) -> Moody:
    return Moody()
