"""EnrichRunner in a real child process: the time budget and a crashed child cost only the guilty story."""

from __future__ import annotations

import asyncio

import pytest

from schemas.models import Enrichment
from streams.config import Settings
from streams.enrich.document import Document
from streams.runner import EnrichRunner, StageFailure

pytestmark = pytest.mark.slow


def _docs(*bodies: str) -> list[Document]:
    return [Document(f"d{i}", "", body, "en") for i, body in enumerate(bodies)]


def _run(mode: str, docs: list[Document], timeout: float = 3.0) -> list[object]:
    settings = Settings(stages="tests.unit.streams.runner_stages:build", enrich_timeout_s=timeout)

    async def main() -> list[object]:
        runner = EnrichRunner(settings, mode=mode)  # type: ignore[arg-type]
        assert await runner.start() == {"moody": "1"}
        try:
            return list(await runner.enrich(docs))
        finally:
            await runner.close()

    return asyncio.run(main())


def test_a_story_over_the_time_budget_fails_alone() -> None:
    out = _run("process", _docs("fine", "SLOW story", "also fine"))
    assert [type(o) for o in out] == [Enrichment, StageFailure, Enrichment]
    failure = out[1]
    assert isinstance(failure, StageFailure) and failure.stage == "timeout" and failure.doc_id == "d1"
    assert all(o.notes == ["moody:ok"] for o in out if isinstance(o, Enrichment))


def test_a_story_that_kills_the_child_fails_alone_and_the_child_comes_back() -> None:
    out = _run("process", _docs("fine", "CRASH now", "also fine"))
    assert [type(o) for o in out] == [Enrichment, StageFailure, Enrichment]
    assert isinstance(out[1], StageFailure) and out[1].stage == "crash"
