"""The registered stages of the enrichment pipeline, and how a configured stage list is built.

A configuration names stages by registered name (:data:`REGISTRY`) or by ``package.module:factory`` import path,
so a new stage is one module with a ``build(config) -> Stage`` factory plus one entry in the stage list.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from streams.enrich.config import EnrichConfig
from streams.enrich.stage import Stage, StageFactory, StageWrapper, check_contract

#: Registered stage name -> ``module:factory`` of its builder (imported only when the stage is configured).
REGISTRY: dict[str, str] = {
    "language": "streams.enrich.stages.language:build",
    "entities": "streams.enrich.stages.entities:build",
    "linking": "streams.enrich.stages.linking:build",
    "topics": "streams.enrich.stages.topics:build",
    "stance": "streams.enrich.stages.stance:build",
    "quotes": "streams.enrich.stages.quotes:build",
}


class UnknownStageError(ValueError):
    """A configured stage is neither registered nor an importable ``module:factory``."""


def resolve(spec: str) -> object:
    """The object an ``module:attribute`` import path (or a registered stage name) names."""
    path = REGISTRY.get(spec, spec)
    module, sep, attr = path.partition(":")
    if not sep or not module or not attr:
        raise UnknownStageError(f"unknown stage {spec!r}: use one of {', '.join(REGISTRY)} or 'package.module:factory'")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownStageError(f"stage {spec!r}: cannot import {path}: {exc}") from exc


def build_stages(config: EnrichConfig, names: Sequence[str] | None = None) -> list[Stage]:
    """Build (load the models of) the stages ``names`` (default ``config.stages``), wrapped if configured."""
    wrapper: StageWrapper | None = resolve(config.stage_wrapper) if config.stage_wrapper else None  # type: ignore[assignment]
    stages: list[Stage] = []
    for spec in names if names is not None else config.stages:
        factory: StageFactory = resolve(spec)  # type: ignore[assignment]
        stage = factory(config)
        check_contract(stage)
        if wrapper is not None:
            stage = wrapper(stage, config)
        stages.append(stage)
    seen = [s.name for s in stages]
    if len(set(seen)) != len(seen):
        raise UnknownStageError(f"a stage is configured twice: {seen}")
    return stages
