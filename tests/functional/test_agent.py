"""The Faust agent driven in-process with ``agent.test_context()``: no broker, the worker's real code path.

batch -> enrich -> publish -> acknowledge -> the offset becomes committable; a failing stage is dead-lettered;
a withdrawal is published as such.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from streams import agents
from streams.config import Settings
from streams.processing import BatchProcessor
from streams.runner import EnrichRunner
from streams.testing import MemoryPublisher, until
from streams.topics import Topics
from tests.functional.stages import FAIL_MARKER

STORY = b"date 2026-03-01 Mayor Ottoline Quarrington opened the Brackenfold ferry terminal on Monday after a long wait."
FAILING = b"date 2026-03-01 The council said the EXPLODE plan for the Brackenfold harbour would be decided in May."
WITHDRAWN = orjson.dumps({"uri": "urn:test:w1", "version": "2", "pubStatus": "canceled", "headlines": [{"value": "Gone"}],
                          "bodies": [{"value": "This story was withdrawn by the sender."}]})  # fmt: skip


SETTINGS = Settings(enrich_mode="inline", stages="language,tests.functional.stages:build", batch_size=4)


@pytest.fixture()
def settings() -> Settings:
    return SETTINGS


Scenario = Callable[[MemoryPublisher, Any], Awaitable[None]]


def drive(settings: Settings, scenario: Scenario, *, auto_ack: bool = True) -> None:
    """Run ``scenario(publisher, agent)`` against the real agent wired to an in-memory publisher."""

    async def main() -> None:
        publisher = MemoryPublisher(auto_ack=auto_ack)
        runner = EnrichRunner(settings)
        agents.install(agents.WorkerParts(runner, BatchProcessor(settings, runner), publisher, None))
        try:
            async with agents.enrich_stories.test_context() as agent:
                await scenario(publisher, agent)
        finally:
            agents.install(None)

    asyncio.run(main())


def test_offset_is_committable_only_after_the_outputs_are_acknowledged(settings: Settings) -> None:
    drive(settings, _ack_then_commit, auto_ack=False)


async def _ack_then_commit(publisher: MemoryPublisher, agent: Any) -> None:
    settings = SETTINGS
    event = await agent.put(key=b"k1", value=STORY, wait=False)
    await until(lambda: len(publisher.sent) == 2)  # wire.enriched + wire.topic.politics
    topics = Topics.of(settings)
    assert [t for t, *_ in publisher.sent] == [topics.enriched, topics.iptc("politics")]
    await asyncio.sleep(0.1)
    assert not event.message.acked  # published but not yet acknowledged: the offset must not be committed
    publisher.ack_all()
    await until(lambda: event.message.acked)
    (_key, value, headers) = publisher.on(topics.enriched)[0]
    enriched = orjson.loads(value)
    assert enriched["wirestream"]["topics"][0]["slug"] == "politics"
    assert enriched["wirestream"]["model_versions"] == {"language": "1+en", "topics": "fixed-1"}


def test_a_failing_stage_dead_letters_only_its_story(settings: Settings) -> None:
    drive(settings, _failing_stage)


async def _failing_stage(publisher: MemoryPublisher, agent: Any) -> None:
    settings = SETTINGS
    events = [await agent.put(key=f"k{i}".encode(), value=v, wait=False) for i, v in enumerate([STORY, FAILING])]
    await until(lambda: all(e.message.acked for e in events))
    topics = Topics.of(settings)
    (letter,) = [orjson.loads(v) for _k, v, _h in publisher.on(topics.deadletter)]
    assert letter["reason"] == "enrich_failed" and letter["stage"] == "enrich.topics"
    assert FAIL_MARKER.encode() in base64.b64decode(letter["original_b64"])
    assert len(publisher.on(topics.enriched)) == 1


def test_a_withdrawal_is_published_without_enrichment(settings: Settings) -> None:
    drive(settings, _withdrawal)


async def _withdrawal(publisher: MemoryPublisher, agent: Any) -> None:
    settings = SETTINGS
    event = await agent.put(key=b"w1", value=WITHDRAWN, wait=False)
    await until(lambda: event.message.acked)
    ((key, value, _h),) = publisher.on(Topics.of(settings).enriched)
    assert key == b"urn:test:w1" and orjson.loads(value)["wirestream"]["event"] == "withdrawn"
