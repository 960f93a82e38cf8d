"""Fast subset of `make faults` on the session broker: the same cases and reconciliation, smaller sizes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.cases import (
    CaseResult,
    Sizes,
    failing_stage,
    graceful_shutdown,
    poison_input,
    run_case,
    stage_fault_overrides,
    worker_killed,
)
from faults.env import FaultEnv
from faults.poison import poison
from streams.config import Settings
from streams.ingest import IngestLimits

pytestmark = pytest.mark.integration

SMALL = Sizes(
    kill_stories=40, kills=1, kill_push_s=5.0, graceful_stories=60, poison_bad=300, poison_valid=30,
    stage_stories=40, stage_timeout_s=20.0, case_timeout_s=180.0,
)  # fmt: skip


@pytest.fixture
def fault_env(kafka_settings: Settings, tmp_path: Path) -> Iterator[FaultEnv]:
    """Workers on the session broker (partitions as configured there); stopped after the test."""
    env = FaultEnv(kafka_settings, tmp_path)
    try:
        yield env
    finally:
        env.close()


def _assert_passed(result: CaseResult) -> None:
    rec = result.rec
    assert result.error is None, result.error
    assert rec.lost == 0 and rec.unexpected == 0 and rec.mixed_up == 0 and rec.wrong_reason == 0, rec.problems
    assert result.crashes == 0
    assert all(result.checks.values()), result.checks
    assert result.passed


def test_worker_killed_mid_stream_loses_nothing(fault_env: FaultEnv) -> None:
    result = run_case(fault_env, "kill9", worker_killed(SMALL, random.Random(1)), print)
    _assert_passed(result)
    assert result.rec.unique == SMALL.kill_stories


def test_sigterm_commits_only_what_was_published(fault_env: FaultEnv) -> None:
    result = run_case(fault_env, "sigterm", graceful_shutdown(SMALL), print)
    _assert_passed(result)
    assert result.details["exit_code"] == 0 and result.details["committed_not_published"] == 0
    assert result.rec.unique == SMALL.graceful_stories


def test_poison_mix_is_dead_lettered_with_reasons(fault_env: FaultEnv) -> None:
    mix = poison(SMALL.poison_bad, seed=7, limits=IngestLimits())
    for category in ("xml_bomb", "xml_external", "oversize", "invalid_utf8", "empty", "binary_noise"):
        assert mix.by_category[category] > 0, category  # the mix holds every hostile kind the issue names
    result = run_case(fault_env, "poison", poison_input(SMALL, 7), print)
    _assert_passed(result)
    assert result.rec.dead_as_expected == result.rec.expected_dead == result.details["poison"]
    assert result.rec.unique == SMALL.poison_valid


def test_failing_stage_dead_letters_only_that_story(fault_env: FaultEnv) -> None:
    overrides = stage_fault_overrides(SMALL.stage_timeout_s)  # faults.inject:wrap around every stage, via env
    result = run_case(fault_env, "stage", failing_stage(SMALL), print, **overrides)
    _assert_passed(result)
    assert result.rec.reasons == {"enrich_failed": 2}  # stories 7 and 23 raise in "topics"; stage checked by reconcile
    assert result.rec.unique == SMALL.stage_stories - 2
