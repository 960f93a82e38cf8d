"""Test doubles that ship with wirestream, for driving the worker without a broker (like bytewax.testing)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class MemoryPublisher:
    """A :class:`streams.processing.Publisher` that keeps every message in memory.

    With ``auto_ack`` (default) each send is acknowledged on the next loop turn, like a real producer; without it
    acknowledgements wait for :meth:`ack_all`, so a test can look at the pipeline while delivery is pending.
    """

    auto_ack: bool = True
    sent: list[tuple[str, bytes, bytes, dict[str, bytes]]] = field(default_factory=list)
    acked: int = 0
    _pending: list[asyncio.Future[object]] = field(default_factory=list)

    async def send(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> asyncio.Future[object]:
        self.sent.append((topic, key, value, dict(headers)))
        fut: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._pending.append(fut)
        if self.auto_ack:
            asyncio.get_running_loop().call_soon(self.ack_all)
        return fut

    def ack_all(self) -> None:
        """Acknowledge every message sent so far."""
        pending, self._pending = self._pending, []
        for fut in pending:
            if not fut.done():
                fut.set_result(None)
                self.acked += 1

    def on(self, topic: str) -> list[tuple[bytes, bytes, dict[str, bytes]]]:
        """(key, value, headers) of the messages sent to ``topic``."""
        return [(k, v, h) for t, k, v, h in self.sent if t == topic]


async def until(cond: Callable[[], bool], timeout: float = 10.0, poll_s: float = 0.01) -> None:
    """Wait on the running loop until ``cond()`` holds; TimeoutError after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(poll_s)
