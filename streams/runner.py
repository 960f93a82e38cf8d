"""Run the enrichment library off the event loop, with a time budget and crash isolation.

CPU-bound NLP on the event loop would stall Kafka heartbeats, so batches go to a child
process (default), a thread, or -- for in-process tests only -- run inline.
A batch that overruns ``enrich_timeout_s`` or kills its child is retried story by story,
so one poisonous story is dead-lettered (``enrich_failed``) instead of blocking its partition.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faults.inject import FaultRule, apply_faults, parse_faults
from schemas.models import Enrichment
from streams.config import EnrichMode, Settings
from streams.enrich.document import Document

if TYPE_CHECKING:
    from streams.enrich.pipeline import EnrichConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StageFailure:
    """Enrichment of one story failed in ``stage`` (picklable across processes)."""

    doc_id: str
    stage: str
    message: str


EnrichOutcome = Enrichment | StageFailure

_ENRICHER: Any = None
_FAULTS: tuple[FaultRule, ...] = ()


def _load(config: EnrichConfig, fault_inject: str | None = None) -> dict[str, str]:
    """Load the models once in this process (pool initializer / thread start)."""
    global _ENRICHER, _FAULTS
    from streams.enrich.pipeline import Enricher

    _FAULTS = parse_faults(fault_inject)
    if _ENRICHER is None:
        _ENRICHER = Enricher.load(config)
        # Warm up so the first real batch does not pay lazy initialisation.
        _ENRICHER.enrich_batch([Document(id="warmup", headline="Warm-up", body="Ada Lovelace visited London on Monday.")])
    return dict(_ENRICHER.model_versions)


def _enrich(docs: Sequence[Document]) -> list[EnrichOutcome]:
    """Enrich ``docs`` with the process-wide enricher; failures become :class:`StageFailure`."""
    from streams.enrich.pipeline import EnrichStageError

    apply_faults(_FAULTS, docs)  # testing only: a no-op unless WIRESTREAM_FAULT_INJECT is set
    out: list[EnrichOutcome] = []
    for doc, result in zip(docs, _ENRICHER.enrich_batch(list(docs)), strict=True):
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
        self.model_versions: dict[str, str] = {}
        self._executor: Executor | None = None

    def _new_executor(self) -> Executor | None:
        if self.mode == "process":
            ctx = multiprocessing.get_context("spawn")  # never fork a process that runs an event loop
            return ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_load, initargs=self._load_args())
        if self.mode == "thread":
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")
        return None

    def _load_args(self) -> tuple[EnrichConfig, str | None]:
        return (self.settings.enrich_config(), self.settings.fault_inject)

    async def _call(self, fn: Any, *args: Any) -> Any:
        if self._executor is None:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    async def start(self) -> dict[str, str]:
        """Start the executor and load the models; returns the model versions."""
        self._executor = self._new_executor()
        self.model_versions = await self._call(_load, *self._load_args())
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
            return _enrich(docs)  # inline mode cannot be interrupted; used by tests only
        return await asyncio.wait_for(self._call(_enrich, list(docs)), timeout=self.timeout)

    async def enrich(self, docs: Sequence[Document]) -> list[EnrichOutcome]:
        """Enrich a batch; never raises for a story's sake (failures come back as StageFailure)."""
        if not docs:
            return []
        try:
            return await self._bounded(docs)
        except (TimeoutError, BrokenProcessPool) as exc:
            log.warning("enrichment batch of %d failed (%r); retrying story by story", len(docs), exc)
            await self._restart()
        except Exception as exc:  # a bug in a stage must not sink the whole batch
            log.exception("enrichment batch of %d raised %r; retrying story by story", len(docs), exc)
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
            except Exception as exc:  # a stage error names its stage (EnrichStageError, InjectedFault)
                results.append(StageFailure(doc.id, str(getattr(exc, "stage", "unknown")), f"{type(exc).__name__}: {exc}"))
        return results

    async def close(self) -> None:
        """Stop the executor."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
