"""The clustering agent driven in-process with ``agent.test_context()``: no broker, the worker's real code path.

enriched event -> assignment on wire.story-clusters + table rows on their changelogs; a re-delivery gets the same
answer; a newer version stays in its cluster; a near-duplicate is flagged; a fresh clusterer rebuilt from the table
rows (what a restart does after Faust recovered them) answers the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from schemas.models import EnrichedStory, Entity, NinjsText, WirestreamExtension
from streams import cluster_agent
from streams.agent_support import PublisherTableWriter
from streams.output import to_bytes
from streams.testing import MemoryPublisher, until

BODY = ("Rescue teams searched for two people missing in the town of Sueca after a storm dumped record rain on the "
        "Valencia region on Tuesday.\n\nThe Spanish army sent an emergency unit to help evacuate residents. Schools "
        "across the province will stay shut on Wednesday, officials said.")  # fmt: skip


def event(story_id: str, body: str = BODY, *, version: int = 1, headline: str = "Floods in Valencia") -> bytes:
    ents = [Entity(id="e1", name="Sueca", type="GPE", salience=0.4, mentions=[], uri="geonames:2510485"),
            Entity(id="e2", name="Valencia", type="GPE", salience=0.3, mentions=[], uri="geonames:2509954")]  # fmt: skip
    now = datetime(2026, 3, 3, 9, tzinfo=UTC)
    ev = EnrichedStory(
        uri=story_id, version=str(version), language="en", headlines=[NinjsText(value=headline, role="main")],
        bodies=[NinjsText(value=body, role="main")],
        wirestream=WirestreamExtension(event="enriched", story_id=story_id, story_version=version, source_format="ninjs",
                                       received_at=now, published_at=now, entities=ents),
    )  # fmt: skip
    return to_bytes(ev)


def drive(scenario: Callable[[MemoryPublisher, Any], Awaitable[None]]) -> None:
    async def main() -> None:
        publisher = MemoryPublisher()
        cluster_agent.story_table.data.clear()
        cluster_agent.cluster_table.data.clear()
        cluster_agent.install(cluster_agent.ClusterParts(publisher, PublisherTableWriter(publisher)))
        try:
            async with cluster_agent.cluster_stories.test_context() as agent:
                await scenario(publisher, agent)
        finally:
            cluster_agent.install(None)

    asyncio.run(main())


def assignments(publisher: MemoryPublisher) -> list[dict[str, Any]]:
    return [orjson.loads(v) for _k, v, _h in publisher.on(cluster_agent.STORY_CLUSTERS)]


def test_duplicate_version_and_redelivery() -> None:
    async def scenario(publisher: MemoryPublisher, agent: Any) -> None:
        ev = [await agent.put(key=b"en", value=v, wait=False) for v in (
            event("urn:a:1"), event("urn:b:1", "VALENCIA, March 3 - " + BODY, headline="UPDATE 1-Storm"),
            event("urn:a:1", version=2), event("urn:a:1", version=2))]  # fmt: skip
        await until(lambda: all(e.message.acked for e in ev))
        a1, b1, a2, a2again = assignments(publisher)
        assert a1["status"] == "new" and b1["status"] == "duplicate"
        assert b1["duplicate_of"]["story_id"] == "urn:a:1" and b1["cluster_id"] == a1["cluster_id"]
        assert a2["status"] == "version" and a2["version"] == 2 and "duplicate_of" not in a2
        assert a2again["status"] == "repeat" and a2again["cluster_id"] == a1["cluster_id"]
        (cluster,) = [orjson.loads(v) for _k, v, _h in publisher.on(cluster_agent.CLUSTERS)][-1:]
        assert cluster["size"] == 2 and cluster["duplicates"] == 1 and cluster["status"] == "open"
        assert {m["story_id"]: m["version"] for m in cluster["members"]} == {"urn:a:1": 2, "urn:b:1": 1}
        # a restart: a new clusterer rebuilt from the table rows gives the same answers
        cluster_agent.parts().clusterers.clear()
        again = await agent.put(key=b"en", value=event("urn:b:1"), wait=False)
        await until(lambda: again.message.acked)
        assert assignments(publisher)[-1]["cluster_id"] == a1["cluster_id"]
        assert assignments(publisher)[-1]["status"] == "repeat"

    drive(scenario)


def test_route_rekeys_enriched_events_by_language() -> None:
    async def scenario(publisher: MemoryPublisher, agent: Any) -> None:
        e = await agent.put(key=b"urn:a:1", value=event("urn:a:1"), wait=False)
        w = await agent.put(key=b"x", value=b"not json", wait=False)
        await until(lambda: e.message.acked and w.message.acked)
        assert [(k, orjson.loads(v)["uri"]) for k, v, _h in publisher.on(cluster_agent.BY_LANGUAGE)] == [(b"en", "urn:a:1")]

    async def main() -> None:
        publisher = MemoryPublisher()
        cluster_agent.install(cluster_agent.ClusterParts(publisher, PublisherTableWriter(publisher)))
        try:
            async with cluster_agent.route_by_language.test_context() as agent:
                await scenario(publisher, agent)
        finally:
            cluster_agent.install(None)

    asyncio.run(main())
