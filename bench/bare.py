"""Bare mode: the enrichment library alone, one process per core, each enriching its share in worker-sized batches."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from streams.enrich.document import Document

if TYPE_CHECKING:
    from streams.enrich.config import EnrichConfig


@dataclass(frozen=True, slots=True)
class BareResult:
    """One timed pass over a corpus."""

    stories: int
    processes: int
    seconds: float
    words: int
    cpu_seconds: float = 0.0  # summed over the processes

    @property
    def rate(self) -> float:
        return self.stories / self.seconds if self.seconds > 0 else 0.0

    @property
    def per_cpu_second(self) -> float:
        """Stories per CPU-second: the cost, independent of how much CPU other programs left us."""
        return self.stories / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


def _child(conn: Connection, config: EnrichConfig, batch_size: int) -> None:
    """Load the models like the worker does, then time each share of documents sent over ``conn``."""
    from streams.enrich.pipeline import Enricher
    from streams.runner import WARMUP

    enricher = Enricher.load(config)
    enricher.enrich_batch([WARMUP])
    conn.send(("ready", os.getpid()))
    while True:
        msg = conn.recv()
        if msg is None:
            return
        docs: list[Document] = msg
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(docs), batch_size):
            enricher.enrich_batch(docs[i : i + batch_size])
        conn.send(("done", time.perf_counter() - start, time.process_time() - cpu))


class BarePool:
    """``processes`` spawned enrichment processes (models loaded once), driven share by share."""

    def __init__(self, processes: int, *, config: EnrichConfig, batch_size: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.batch_size = batch_size
        self._conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_child, args=(child, config, batch_size), daemon=True)
            proc.start()
            self._conns.append(parent)
            self.procs.append(proc)

    def wait_ready(self, timeout: float = 600) -> None:
        for conn, proc in zip(self._conns, self.procs, strict=True):
            if not conn.poll(timeout):
                raise TimeoutError(f"bare process {proc.pid} did not load its models in {timeout:.0f}s")
            conn.recv()

    def run(self, docs: Sequence[Document], processes: int | None = None) -> BareResult:
        """Enrich ``docs`` split evenly (in whole batches) over the first ``processes`` processes at once."""
        n = processes or len(self.procs)
        shares: list[list[Document]] = [[] for _ in range(n)]
        for b, i in enumerate(range(0, len(docs), self.batch_size)):
            shares[b % n].extend(docs[i : i + self.batch_size])
        for conn, share in zip(self._conns, shares, strict=False):
            conn.send(share)
        done = [conn.recv() for conn in self._conns[:n]]
        words = sum(len(d.body.split()) + len(d.headline.split()) for d in docs)
        return BareResult(len(docs), n, max(d[1] for d in done), words, sum(d[2] for d in done))

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
