"""What a stage of the enrichment pipeline is: a named, versioned step with declared inputs and outputs.

A stage reads fields of :class:`StoryState` and returns, per story, the fields it writes (a dict whose keys must
be among its declared ``writes``). The :class:`~streams.enrich.pipeline.Enricher` applies those updates only once
the whole batch succeeded, so a failed batch can be retried story by story from an untouched state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from schemas.models import Entity, Quote, Tone, Topic
from streams.enrich.document import Document

if TYPE_CHECKING:
    from streams.enrich.config import EnrichConfig
    from streams.enrich.mentions import DocEntities

Update = Mapping[str, Any]


@dataclass
class StoryState:
    """One story while it goes through the stages: its document and everything stages have written so far."""

    doc: Document
    language: str | None = None
    skip: bool = False  # set by a stage that decides the later ones must pass this story by (e.g. its language)
    notes: list[str] = field(default_factory=list)
    analysis: DocEntities | None = None  # sentences and raw mentions, for later stages
    entities: list[Entity] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    tone: Tone | None = None
    quotes: list[Quote] = field(default_factory=list)
    embedding: Any = None  # the story vector of the topic encoder (numpy array), for clustering downstream


#: Fields a stage may declare in ``reads``/``writes``.
STATE_FIELDS = frozenset(f.name for f in fields(StoryState))


@runtime_checkable
class Stage(Protocol):
    """A step of the pipeline.

    ``name`` is stable (it labels metrics, timings and dead letters); ``version`` changes whenever the stage's
    model, rules or data change, and lands in every event's ``model_versions``. ``run`` gets the stories the stage
    should see (not skipped, not failed) and returns one update per story, in order; it may raise, in which case the
    Enricher retries it story by story and marks only the stories that still fail.
    """

    name: str
    version: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]

    def run(self, batch: Sequence[StoryState]) -> list[Update]: ...


#: Builds a stage from the configuration (loads its model): the registered form of every stage.
StageFactory = Callable[["EnrichConfig"], Stage]
#: Wraps a built stage (same name, version and contract) -- e.g. the fault injection of ``make faults``.
StageWrapper = Callable[[Stage, "EnrichConfig"], Stage]


class StageContractError(TypeError):
    """A stage declared or returned something its contract does not allow (a bug in the stage, not the story)."""


def check_contract(stage: Stage) -> None:
    """Raise :class:`StageContractError` if ``stage`` declares fields :class:`StoryState` does not have."""
    unknown = [f for f in (*stage.reads, *stage.writes) if f not in STATE_FIELDS]
    if unknown:
        raise StageContractError(f"stage {stage.name!r} declares unknown fields {unknown}")
    if not stage.version:
        raise StageContractError(f"stage {stage.name!r} has no version")


def check_updates(stage: Stage, updates: Sequence[Update], expected: int) -> None:
    """Raise :class:`StageContractError` unless ``updates`` is one update per story, each within ``writes``."""
    if len(updates) != expected:
        raise StageContractError(f"stage {stage.name!r} returned {len(updates)} updates for {expected} stories")
    for update in updates:
        extra = [k for k in update if k not in stage.writes]
        if extra:
            raise StageContractError(f"stage {stage.name!r} wrote undeclared fields {extra}")


def apply_update(state: StoryState, update: Update) -> None:
    """Write a checked ``update`` onto ``state`` (notes are appended, other fields replaced)."""
    for key, value in update.items():
        if key == "notes":
            state.notes.extend(v for v in value if v not in state.notes)
        else:
            setattr(state, key, value)
