"""Salience: bounded, summing to at most 1, favouring headline and early, frequent entities."""

from __future__ import annotations

from schemas.models import TextField
from streams.enrich.clustering import Cluster
from streams.enrich.mentions import RawMention
from streams.enrich.salience import salience


def cluster(*spots: tuple[TextField, int]) -> Cluster:
    c = Cluster()
    for i, (field, sentence) in enumerate(spots):
        c.add(RawMention("X", field, i, i + 1, sentence, "ORG", "ORG"))
    return c


def test_sums_to_one_and_bounded() -> None:
    scores = salience([cluster(("body", 0)), cluster(("body", 5)), cluster(("headline", 0), ("body", 1))])
    assert abs(sum(scores) - 1.0) < 1e-9
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_headline_and_frequency_win() -> None:
    late_once, headline, frequent = salience([
        cluster(("body", 9)), cluster(("headline", 0), ("body", 9)), cluster(("body", 9), ("body", 10), ("body", 11))])
    assert headline > late_once and frequent > late_once


def test_earlier_first_mention_wins() -> None:
    early, late = salience([cluster(("body", 0)), cluster(("body", 8))])
    assert early > late


def test_empty() -> None:
    assert salience([]) == []
