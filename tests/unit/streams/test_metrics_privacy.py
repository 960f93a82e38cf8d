"""The /metrics page never carries story text, story ids, entity names or connection secrets."""

from __future__ import annotations

import asyncio

import orjson
from prometheus_client import generate_latest
from pydantic import SecretStr

from streams import metrics
from streams.config import Settings
from streams.output import SourceRef
from streams.processing import BatchProcessor, RawRecord
from streams.runner import EnrichRunner
from streams.testing import MemoryPublisher

SECRET, USER = "pw-Kq83-zz-secret", "user-Vw19-name"
STORY_ID = "urn:privacy:test:Xylophonic-991"
HEADLINE = "Mayor Ottoline Quarrington praises Brackenfold harbour rescue"
BODY = (
    "Mayor Ottoline Quarrington of Brackenfold praised the harbour crew on Monday after a daring rescue. "
    "Quarrington said the Brackenfold Lifeboat Trust had saved six fishermen.\n\n"
    "The trust thanked the Zephyrine Shipping Company for lending a tug."
)
BAD = "date 2026-02-30 Unparseable Wobblecrank Gazette secret text"


def test_metrics_page_has_no_story_text_or_secrets() -> None:
    settings = Settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN",
                        kafka_sasl_username=USER, kafka_sasl_password=SecretStr(SECRET))  # fmt: skip
    runner = EnrichRunner(settings, mode="inline")
    processor = BatchProcessor(settings, runner)
    story = orjson.dumps({"uri": STORY_ID, "language": "en", "headlines": [{"value": HEADLINE}], "bodies": [{"value": BODY}]})
    records = [RawRecord(STORY_ID.encode(), v, SourceRef("wire.raw", 0, i), 1_700_000_000.0) for i, v in enumerate([story, BAD.encode()])]

    async def run() -> None:
        metrics.set_model_info(await runner.start())
        result = await processor.process(records)
        assert len(result.enriched) == 1 and len(result.dead_letters) == 1
        names = [e.name for e in result.enriched[0].wirestream.entities]
        assert any("Quarrington" in n for n in names)  # the entity really was found, so it could have leaked
        await processor.publish(result, MemoryPublisher())

    before = metrics.STORIES_ENRICHED._value.get()
    asyncio.run(run())
    assert metrics.STORIES_ENRICHED._value.get() == before + 1
    page = generate_latest(metrics.REGISTRY).decode()
    for needle in (SECRET, USER, STORY_ID, "Quarrington", "Ottoline", "Brackenfold", "Zephyrine", "Wobblecrank", "harbour", "Xylophonic"):
        assert needle not in page, needle
