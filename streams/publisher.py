"""Publishing through a worker's Faust producer (no agent is declared here: every role's agents use it)."""

from __future__ import annotations

from collections.abc import Awaitable

import faust


class FaustPublisher:
    """Publishes through the worker's Faust producer, bypassing attachments so we can await delivery."""

    def __init__(self, faust_app: faust.App) -> None:
        self.app = faust_app
        self._topics: dict[str, faust.TopicT] = {}

    async def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Awaitable[object]:
        if topic not in self._topics:
            self._topics[topic] = self.app.topic(topic, key_serializer="raw", value_serializer="raw")
        return await self._topics[topic].send(key=key, value=value, headers=headers, force=True)
