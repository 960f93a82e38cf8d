"""The entity registry's two agents driven in-process with ``agent.test_context()``: no broker, the worker's code.

enriched events -> route_entities -> updates keyed by uri -> update_entities -> records on the table's changelog
(``wire.entities``); outputs acknowledged before offsets are committable; re-deliveries change nothing.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from schemas.models import EntityRecord
from streams import registry_agent as reg
from streams.agent_support import PublisherTableWriter
from streams.testing import MemoryPublisher, until
from tests.unit.registry.events import entity, event

A, B = entity("Ann Bell", uri="ws:person:ann-bell", mentions=2), entity("Bo Cole", uri="ws:person:bo-cole", eid="e2")
STORY1 = event("urn:test:s1", 1, [A, B])
STORY2 = event("urn:test:s2", 1, [A], received_at="2026-12-01T11:00:00Z")


class Registry:
    """Both agents on one in-memory publisher; :meth:`feed_updates` carries step 1's output to step 2."""

    def __init__(self, publisher: MemoryPublisher, router: Any, updater: Any) -> None:
        self.publisher, self.router, self.updater = publisher, router, updater
        self.fed = 0

    async def enriched(self, *docs: dict[str, Any]) -> list[Any]:
        events = [await self.router.put(key=d["wirestream"]["story_id"].encode(), value=orjson.dumps(d), partition=1, wait=False) for d in docs]
        await until(lambda: all(e.message.acked for e in events))
        return events

    async def feed_updates(self, *, again: bool = False) -> list[Any]:
        updates = self.publisher.on(reg.UPDATES)
        todo = updates if again else updates[self.fed :]
        self.fed = len(updates)
        events = [await self.updater.put(key=k, value=v, partition=zlib.crc32(k) % 2, wait=False) for k, v, _h in todo]
        await until(lambda: all(e.message.acked for e in events))
        return events

    def records(self) -> dict[str, dict[str, Any]]:
        """The latest record per uri on ``wire.entities`` (as a compacted topic keeps it)."""
        return {k.decode(): orjson.loads(v) for k, v, _h in self.publisher.on(reg.ENTITIES)}


def drive(scenario: Callable[[Registry], Awaitable[None]], *, auto_ack: bool = True) -> None:
    async def main() -> None:
        publisher = MemoryPublisher(auto_ack=auto_ack)
        reg.install(reg.RegistryParts(publisher, PublisherTableWriter(publisher)))
        reg.entity_table.data.clear()
        reg.story_table.data.clear()
        try:
            async with reg.route_entities.test_context() as router, reg.update_entities.test_context() as updater:
                await scenario(Registry(publisher, router, updater))
        finally:
            reg.install(None)

    asyncio.run(main())


def test_stories_become_entity_records_on_the_changelog() -> None:
    async def scenario(r: Registry) -> None:
        await r.enriched(STORY1, STORY2)
        assert [k for k, _v, _h in r.publisher.on(reg.UPDATES)] == [b"ws:person:ann-bell", b"ws:person:bo-cole", b"ws:person:ann-bell"]
        await r.feed_updates()
        records = r.records()
        assert {u: (rec["story_count"], rec["mention_count"]) for u, rec in records.items()} == {
            "ws:person:ann-bell": (2, 4), "ws:person:bo-cole": (1, 1)}  # fmt: skip
        ann = EntityRecord.model_validate(records["ws:person:ann-bell"])
        assert (ann.first_seen, ann.last_seen) == ("2026-12-01T10:00:00.000000Z", "2026-12-01T11:00:00.000000Z")
        # each record goes to the changelog partition of the update that changed it (co-partitioning)
        for key, _value, headers in r.publisher.on(reg.ENTITIES):
            assert headers["ws-partition"] == str(zlib.crc32(key) % 2).encode()
        latest = {k: v for k, v, _h in r.publisher.on(reg.ENTITIES)}
        assert reg.entity_table.data[b"ws:person:ann-bell"] == latest[b"ws:person:ann-bell"]
        # the story index is written to the partition of the enriched event
        assert {h["ws-partition"] for _k, _v, h in r.publisher.on(reg.STORIES)} == {b"1"}

    drive(scenario)


def test_redelivered_stories_and_updates_change_no_count() -> None:
    async def scenario(r: Registry) -> None:
        await r.enriched(STORY1, STORY2)
        await r.feed_updates()
        written = len(r.publisher.on(reg.ENTITIES))
        before = r.records()
        await r.enriched(STORY1, STORY2)  # a crash after publishing: the same events again
        await r.feed_updates()
        await r.feed_updates(again=True)  # and every update delivered twice more
        assert len(r.publisher.on(reg.ENTITIES)) == written  # unchanged records are not rewritten
        assert r.records() == before

    drive(scenario)


def test_a_new_version_and_a_withdrawal_take_their_story_out() -> None:
    async def scenario(r: Registry) -> None:
        await r.enriched(STORY1, STORY2)
        await r.feed_updates()
        await r.enriched(event("urn:test:s1", 2, [A]), event("urn:test:s2", 2, withdrawn=True), event("urn:test:s1", 1, [A, B]))
        await r.feed_updates()
        counts = {u: rec["story_count"] for u, rec in r.records().items()}
        assert counts == {"ws:person:ann-bell": 1, "ws:person:bo-cole": 0}

    drive(scenario)


@pytest.mark.parametrize("step", ["route", "update"])
def test_offsets_are_committable_only_after_the_writes_are_acknowledged(step: str) -> None:
    async def scenario(r: Registry) -> None:
        if step == "route":
            agent, key, value, topic = r.router, b"urn:test:s1", orjson.dumps(STORY1), reg.STORIES
        else:
            (key, value, _h), *_ = [m for m in _updates_of(STORY1)]
            agent, topic = r.updater, reg.ENTITIES
        ev = await agent.put(key=key, value=value, wait=False)
        await until(lambda: bool(r.publisher.on(reg.UPDATES if step == "route" else topic)))
        await asyncio.sleep(0.1)
        assert not ev.message.acked
        while not ev.message.acked:  # each write waits for the one before (updates, then the index)
            r.publisher.ack_all()
            await asyncio.sleep(0.02)
        assert r.publisher.on(topic)

    drive(scenario, auto_ack=False)


def _updates_of(doc: dict[str, Any]) -> list[tuple[bytes, bytes, dict[str, bytes]]]:
    from streams.registry import route

    return [(u["uri"].encode(), orjson.dumps(u), {}) for u in route(doc, None).updates]
