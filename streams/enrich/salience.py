"""Salience of a story's entities: how central each is, in [0, 1], summing to at most 1 over the story.

An entity's raw score adds up its evidence of importance:
``mentions`` (log-damped count) + ``HEADLINE`` if named in the headline + ``LEAD`` if named in the first
``LEAD_SENTENCES`` body sentences + ``EARLY`` / (1 + index of the first body sentence naming it).
Saliences are the raw scores divided by their total, so they sum to 1 (before any entities are cut).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from streams.enrich.clustering import Cluster

HEADLINE = 2.0
LEAD = 1.0
EARLY = 1.0
LEAD_SENTENCES = 2


def raw_score(cluster: Cluster) -> float:
    """Unnormalised importance of one entity."""
    score = 1.0 + math.log(len(cluster.mentions)) if cluster.mentions else 0.0
    if any(m.field == "headline" for m in cluster.mentions):
        score += HEADLINE
    body_sents = [m.sentence for m in cluster.mentions if m.field == "body"]
    if body_sents:
        first = min(body_sents)
        if first < LEAD_SENTENCES:
            score += LEAD
        score += EARLY / (1 + first)
    return score


def salience(clusters: Sequence[Cluster]) -> list[float]:
    """Salience of each entity (same order as ``clusters``); sums to 1 when there is any entity."""
    raw = [raw_score(c) for c in clusters]
    total = sum(raw)
    return [min(1.0, r / total) for r in raw] if total > 0 else [0.0 for _ in raw]
