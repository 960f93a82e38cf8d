"""Run the enrichment library off the event loop, with a time budget and crash isolation.

CPU-bound NLP on the event loop would stall Kafka heartbeats, so batches go to a child
process (default), a thread, or -- for in-process tests only -- run inline.
A stage that raises is isolated story by story by the library itself (:class:`~streams.enrich.pipeline.Enricher`);
what only a supervisor can handle is handled here: a batch that overruns ``enrich_timeout_s`` or kills its child
is retried story by story, so one poisonous story is dead-lettered (stage ``timeout`` or ``crash``) instead of
blocking its partition.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from schemas.models import Enrichment
from streams.config import EnrichMode, Settings
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StageFailure:
    """Enrichment of one story failed in ``stage`` (picklable across processes)."""

    doc_id: str
    stage: str
    message: str


EnrichOutcome = Enrichment | StageFailure

WARMUP = Document(id="warmup", headline="Warm-up", body="Ada Lovelace visited London on Monday.")
_ENRICHERS: dict[EnrichConfig, Any] = {}  # per process: the pool's child, or the worker itself in thread/inline mode


def _enricher(config: EnrichConfig) -> Any:
    """This process's enricher for ``config``, loaded (and warmed up) on first use."""
    from streams.enrich.pipeline import Enricher

    if config not in _ENRICHERS:
        enricher = Enricher.load(config)
        enricher.enrich_batch([WARMUP])  # the first real batch must not pay lazy initialisation
        _ENRICHERS[config] = enricher
    return _ENRICHERS[config]


def _load(config: EnrichConfig) -> dict[str, str]:
    """Load the models once in this process (pool initializer / thread start); returns the stage versions."""
    return dict(_enricher(config).model_versions)


def _child_init(config: EnrichConfig) -> None:
    """Pool initializer: load the models; Ctrl-C is the parent's to handle (it stops the pool), not the child's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _load(config)


def _enrich(config: EnrichConfig, docs: Sequence[Document]) -> list[EnrichOutcome]:
    """Enrich ``docs`` with this process's enricher; failures become :class:`StageFailure`."""
    from streams.enrich.pipeline import EnrichStageError

    out: list[EnrichOutcome] = []
    for doc, result in zip(docs, _enricher(config).enrich_batch(list(docs)), strict=True):
        if isinstance(result, EnrichStageError):
            out.append(StageFailure(doc_id=doc.id, stage=result.stage, message=str(result)))
        else:
            out.append(result)
    return out


class EnrichRunner:
    """Owns the executor that runs enrichment for one worker."""

    def __init__(self, settings: Settings, mode: EnrichMode | None = None) -> None:
        self.settings = settings
        self.mode: EnrichMode = mode or settings.enrich_mode
        self.timeout = settings.enrich_timeout_s
        self.config = settings.enrich_config()
        self.model_versions: dict[str, str] = {}
        self._executor: Executor | None = None

    def _new_executor(self) -> Executor | None:
        if self.mode == "process":
            ctx = multiprocessing.get_context("spawn")  # never fork a process that runs an event loop
            return ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_child_init, initargs=(self.config,))
        if self.mode == "thread":
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
        return None

    async def _call(self, fn: Any, *args: Any) -> Any:
        if self._executor is None:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    async def start(self) -> dict[str, str]:
        """Start the executor and load the models; returns the model versions."""
        self._executor = self._new_executor()
        self.model_versions = await self._call(_load, self.config)
        return self.model_versions

    async def _restart(self) -> None:
        executor, self._executor = self._executor, None
        if isinstance(executor, ProcessPoolExecutor):
            for proc in list(getattr(executor, "_processes", {}).values()):
                proc.kill()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        await self.start()

    async def _bounded(self, docs: Sequence[Document]) -> list[EnrichOutcome]:
        if self._executor is None:
            return _enrich(self.config, docs)  # inline mode cannot be interrupted; used by tests only
        return await asyncio.wait_for(self._call(_enrich, self.config, list(docs)), timeout=self.timeout)

    async def enrich(self, docs: Sequence[Document]) -> list[EnrichOutcome]:
        """Enrich a batch; never raises for a story's sake (failures come back as StageFailure)."""
        if not docs:
            return []
        try:
            return await self._bounded(docs)
        except (TimeoutError, BrokenProcessPool) as exc:
            log.warning("enrichment batch of %d failed (%r); retrying story by story", len(docs), exc)
            await self._restart()
        except Exception as exc:  # stages are isolated by the library: this is a bug outside them
            log.exception("enrichment batch of %d raised %r", len(docs), exc)
            return [StageFailure(d.id, "internal", f"{type(exc).__name__}: {exc}") for d in docs]
        results: list[EnrichOutcome] = []
        for doc in docs:
            try:
                results.extend(await self._bounded([doc]))
            except TimeoutError:
                await self._restart()
                results.append(StageFailure(doc.id, "timeout", f"enrichment exceeded {self.timeout:.0f}s"))
            except BrokenProcessPool:
                await self._restart()
                results.append(StageFailure(doc.id, "crash", "the enrichment process died on this story"))
            except Exception as exc:  # noqa: BLE001 - a bug outside the stages; never lose the story
                results.append(StageFailure(doc.id, "internal", f"{type(exc).__name__}: {exc}"))
        return results

    async def close(self) -> None:
        """Stop the executor."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
