"""A story's event must not depend on which other stories share its batch: replays are diffed by consumers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from streams.config import Settings
from streams.output import SourceRef
from streams.processing import BatchProcessor, RawRecord
from streams.runner import EnrichRunner

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TARGET = "n03_dock_strike_v1.json"
NEIGHBOURS = ["p02_lakeport_marathon.txt", "n01_chipmaker_earnings.json", "g02_tariff_talks_message.xml",
              "p04_cfo_fraud_sentence.txt", "n02_flood_barrier_holds.json", "p01_transit_levy_vote.txt"]  # fmt: skip
VOLATILE = ("received_at", "published_at", "timings", "versionCreated", "firstCreated", "contentCreated")


@pytest.fixture(scope="module")
def processor() -> BatchProcessor:
    settings = Settings(enrich_mode="inline", stance_max_entities=8, stance_max_sentences=4)
    return BatchProcessor(settings, EnrichRunner(settings))


def _stable(value: object) -> object:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _event_of_target(processor: BatchProcessor, names: list[str]) -> bytes:
    records = [RawRecord(None, (SEEDS / n).read_bytes(), SourceRef("wire.raw", 0, 7), 1_700_000_000.0) for n in names]
    result = asyncio.run(processor.process(records))
    (event,) = [e for e in result.enriched if e.wirestream.story_id.endswith("saltmarsh-dock-strike")]
    return orjson.dumps(_stable(event.model_dump(mode="json", by_alias=True)), option=orjson.OPT_SORT_KEYS)


def test_event_is_the_same_alone_and_in_any_batch(processor: BatchProcessor) -> None:
    alone = _event_of_target(processor, [TARGET])
    assert b'"stance"' in alone  # the stage under test really ran
    for batch in ([*NEIGHBOURS[:3], TARGET], [TARGET, *NEIGHBOURS[3:]], [NEIGHBOURS[0], TARGET, *NEIGHBOURS[4:]]):
        assert _event_of_target(processor, batch) == alone, batch
