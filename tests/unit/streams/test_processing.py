"""BatchProcessor routing: parse failures dead-lettered, withdrawals, topic fan-out, publish waits for acks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import orjson
import pytest

from schemas.models import Enrichment, Topic
from streams.config import Settings
from streams.enrich.document import Document
from streams.output import SourceRef
from streams.processing import BatchProcessor, RawRecord
from streams.runner import EnrichOutcome, StageFailure
from streams.testing import MemoryPublisher

GOOD = b"date 2026-03-01 The harbour authority approved a new ferry terminal on Monday. Work starts in May."
CANCELED_NINJS = orjson.dumps({"uri": "urn:x:9", "version": "2", "pubStatus": "canceled", "headlines": [{"value": "Withdrawn"}],
                               "bodies": [{"value": "This story was withdrawn by the sender."}]})


class FakeRunner:
    """Returns a fixed politics enrichment, or a stage failure for documents whose body says FAIL."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def enrich(self, docs: Sequence[Document]) -> list[EnrichOutcome]:
        self.batches.append([d.id for d in docs])
        topics = [Topic(code="medtop:11000000", name="politics", level=1, slug="politics", confidence=0.9),
                  Topic(code="medtop:04000000", name="economy, business and finance", level=1, slug="economy-business-finance", confidence=0.4)]
        return [StageFailure(d.id, "stance", "boom") if "FAIL" in d.body else Enrichment(language="en", topics=topics) for d in docs]


def _records(*values: bytes | None) -> list[RawRecord]:
    return [RawRecord(key=None, value=v, source=SourceRef("wire.raw", 0, i), timestamp=1_700_000_000.0) for i, v in enumerate(values)]


@pytest.fixture()
def processor() -> BatchProcessor:
    return BatchProcessor(Settings(topic_route_min_confidence=0.5), FakeRunner())


def test_batch_routes_good_bad_withdrawn_and_failed(processor: BatchProcessor) -> None:
    failing = b"date 2026-03-02 FAIL this story makes a stage fail, so it must be dead-lettered."
    records = _records(GOOD, b"", b"\xff\xfe\x00junk", CANCELED_NINJS, failing)
    result = asyncio.run(processor.process(records))
    assert len(result.enriched) == 1 and len(result.withdrawn) == 1
    reasons = sorted(d.reason.value for d in result.dead_letters)
    assert reasons == ["decode_error", "empty", "enrich_failed"]
    failed = next(d for d in result.dead_letters if d.reason.value == "enrich_failed")
    assert failed.stage == "enrich.stance" and failed.source_offset == 4 and failed.story_id
    assert processor.runner.batches == [[result.enriched[0].wirestream.story_id, failed.story_id]]  # one batch, withdrawn skipped


def test_publish_fans_out_per_topic_and_waits_for_every_ack(processor: BatchProcessor) -> None:
    async def run() -> MemoryPublisher:
        pub = MemoryPublisher()
        result = await processor.process(_records(GOOD, CANCELED_NINJS, b"{not json"))
        await processor.publish(result, pub)
        assert pub.acked == len(pub.sent)  # publish returned only after every acknowledgement
        return pub

    pub = asyncio.run(run())
    topics = [t for t, *_ in pub.sent]
    assert topics.count("wire.enriched") == 2  # enriched + withdrawal
    # politics (0.9) reaches WIRESTREAM_TOPIC_ROUTE_MIN_CONFIDENCE (0.5 here); economy (0.4) stays on wire.enriched only
    assert topics.count("wire.topic.politics") == 1 and topics.count("wire.topic.economy-business-finance") == 0
    assert len(orjson.loads(next(v for t, _k, v, _h in pub.sent if t == "wire.enriched"))["wirestream"]["topics"]) == 2
    assert topics.count("wire.deadletter") == 1
    enriched = [(k, v, h) for t, k, v, h in pub.sent if t == "wire.enriched"]
    assert {h["ws-event"] for _, _, h in enriched} == {b"enriched", b"withdrawn"}
    story = orjson.loads(enriched[0][1])
    assert enriched[0][0] == story["wirestream"]["story_id"].encode()  # keyed by story id


def test_fail_batch_dead_letters_every_record() -> None:
    result = BatchProcessor.fail_batch(_records(GOOD, b"x"), RuntimeError("bug"))
    assert [d.reason.value for d in result.dead_letters] == ["enrich_failed", "enrich_failed"]
    assert all(d.stage == "internal" and "bug" in d.message for d in result.dead_letters)
