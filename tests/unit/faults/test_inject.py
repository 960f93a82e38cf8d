"""The fault-injection stage wrapper of ``make faults``: rule syntax, each rule kind (crash aside), same contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from faults import inject
from faults.inject import FaultRule, FaultyStage, InjectedFault, parse_faults, wrap
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.stage import Stage, StoryState, Update, check_contract


@dataclass
class Recorder:
    """A stage that writes a note per story and remembers the batches it ran on."""

    name: str = "topics"
    version: str = "topics.v3"
    reads: tuple[str, ...] = ("doc", "language")
    writes: tuple[str, ...] = ("notes",)
    batches: list[list[str]] = field(default_factory=list)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        self.batches.append([s.doc.id for s in batch])
        return [{"notes": [f"seen {s.doc.id}"]} for s in batch]


def states(*bodies: str) -> list[StoryState]:
    return [StoryState(Document(f"s{i}", "Headline", body, "en")) for i, body in enumerate(bodies)]


def config(spec: str | None) -> EnrichConfig:
    return EnrichConfig(stage_wrapper="faults.inject:wrap", stage_wrapper_spec=spec)


def test_parse_every_rule_kind() -> None:
    rules = parse_faults(" raise:topics:BOOM ;sleep:stance:2.5:SLOW;crash:entities:DIE;")
    assert rules == (
        FaultRule("raise", "topics", "BOOM"),
        FaultRule("sleep", "stance", "SLOW", 2.5),
        FaultRule("crash", "entities", "DIE"),
    )
    assert parse_faults(None) == parse_faults("") == parse_faults(" ; ") == ()


@pytest.mark.parametrize(
    "spec",
    ["explode:topics:X", "raise:topics", "raise::X", "raise:topics:", "raise:topics:X:extra", "crash:entities",
     "sleep:stance:X", "sleep:stance:soon:X", "sleep::1:X", "sleep:stance:1:", "topics"],
)  # fmt: skip
def test_malformed_rules_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="bad fault rule"):
        parse_faults(spec)


def test_a_bad_spec_fails_when_the_stage_is_wrapped() -> None:
    with pytest.raises(ValueError, match="bad fault rule"):
        wrap(Recorder(), config("raise:topics"))


def test_stages_no_rule_names_are_returned_as_they_are() -> None:
    stage = Recorder(name="language")
    assert wrap(stage, config("raise:topics:BOOM;sleep:stance:1:SLOW")) is stage
    assert wrap(stage, config(None)) is stage


def test_wrapper_keeps_the_contract() -> None:
    inner = Recorder()
    wrapped = wrap(inner, config("raise:topics:BOOM"))
    assert isinstance(wrapped, FaultyStage) and isinstance(wrapped, Stage)
    assert (wrapped.name, wrapped.version, wrapped.reads, wrapped.writes) == (
        inner.name, inner.version, inner.reads, inner.writes,
    )  # fmt: skip
    check_contract(wrapped)
    batch = states("nothing to see", "quiet day")
    assert wrapped.run(batch) == inner.run(batch)  # unmarked batches pass straight through


def test_raise_rule_fails_only_batches_holding_the_marker() -> None:
    inner = Recorder()
    wrapped = wrap(inner, config("raise:topics:BOOM"))
    with pytest.raises(InjectedFault, match="topics"):
        wrapped.run(states("calm", "then BOOM here"))
    assert inner.batches == []  # raised before the stage ran
    assert wrapped.run(states("calm")) == [{"notes": ["seen s0"]}]  # story by story, the others go through
    assert wrap(Recorder(name="stance"), config("raise:topics:BOOM")).run(states("BOOM")) == [{"notes": ["seen s0"]}]


def test_marker_is_matched_against_the_body_only() -> None:
    wrapped = wrap(Recorder(), config("raise:topics:BOOM"))
    state = StoryState(Document("h", "BOOM in the headline", "a calm body", "en"))
    assert wrapped.run([state]) == [{"notes": ["seen h"]}]


def test_sleep_rule_sleeps_then_delegates(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(inject.time, "sleep", slept.append)
    inner = Recorder(name="stance")
    wrapped = wrap(inner, config("sleep:stance:3600:SLOW;raise:topics:SLOW"))
    assert wrapped.run(states("fast")) == [{"notes": ["seen s0"]}] and slept == []
    assert wrapped.run(states("SLOW story", "fast")) == [{"notes": ["seen s0"]}, {"notes": ["seen s1"]}]
    assert slept == [3600.0]


def test_configured_wrapper_fails_only_the_marked_story_in_its_stage() -> None:
    from streams.enrich.pipeline import Enricher, EnrichStageError
    from streams.enrich.stages import build_stages

    cfg = EnrichConfig(stages=("tests.unit.enrich.toy_stage:build",), stage_wrapper="faults.inject:wrap",
                       stage_wrapper_spec="raise:toy:BOOM")  # fmt: skip
    stages = build_stages(cfg)
    assert [type(s).__name__ for s in stages] == ["FaultyStage"]
    docs = [Document("a", "One two", "calm"), Document("b", "Three", "a BOOM story"), Document("c", "Four", "calm")]
    results = Enricher(stages, cfg).enrich_batch(docs)
    failed = results[1]
    assert isinstance(failed, EnrichStageError) and failed.stage == "toy" and isinstance(failed.cause, InjectedFault)
    assert [r.notes for r in (results[0], results[2])] == [["toy:2 words"], ["toy:1 words"]]  # type: ignore[union-attr]
