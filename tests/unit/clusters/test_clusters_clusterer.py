"""The online clusterer: versions are not duplicates, the window evicts by event time, restore re-creates the state."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from streams.clusters.clusterer import ClusterConfig, EventClusterer, StoryRecord
from streams.clusters.features import StoryFeatures, build_features, source_of
from streams.eval.clusters import bcubed

BODY = ("Dock workers at the port of Saltmarsh suspended a 48-hour strike on Friday after the union and the port "
        "operator agreed to mediation.\n\nThe union said pay talks would resume on Monday under an independent mediator.")  # fmt: skip
OTHER = ("Ferry services on the lake were cancelled because of high winds, and the harbour master expected them to "
         "run again on Saturday morning.")  # fmt: skip
T0 = 1_772_000_000.0


def vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    return v / np.linalg.norm(v)


def story(sid: str, body: str = BODY, *, at: float = T0, version: int = 1, seed: int = 1, ents: tuple[str, ...] = ("Saltmarsh",)) -> StoryFeatures:
    entities = [{"type": "GPE", "name": n, "salience": 0.3, "uri": f"ws:gpe:{n.lower()}"} for n in ents]
    return build_features(story_id=sid, version=version, at=at, headline=body[:40], body=body, entities=entities,
                          embedding=vec(seed), source="test")  # fmt: skip


def test_a_new_version_is_a_version_not_a_duplicate() -> None:
    c = EventClusterer()
    first = c.observe(story("s1"))
    v2 = c.observe(story("s1", BODY + " Updated.", version=2, at=T0 + 60))
    again = c.observe(story("s1", version=1, at=T0 + 90))
    assert first.status == "new" and v2.status == "version" and v2.duplicate_of is None
    assert v2.cluster_id == first.cluster_id and again.status == "repeat" and again.version == 2
    assert c.cluster(first.cluster_id).members == {"s1": (2, "test")}  # type: ignore[union-attr]


def test_near_duplicate_under_a_new_id_is_flagged_and_joins_the_cluster() -> None:
    c = EventClusterer()
    a = c.observe(story("s1"))
    b = c.observe(story("s2", "SALTMARSH, May 2 - " + BODY, at=T0 + 600, seed=9))
    assert b.status == "duplicate" and b.duplicate_of is not None and b.duplicate_of.story_id == "s1"
    assert b.cluster_id == a.cluster_id
    assert c.observe(story("s3", OTHER, at=T0 + 700, seed=3, ents=("Lakeside",))).status == "new"


def test_window_evicts_by_event_time_and_closes_idle_clusters() -> None:
    c = EventClusterer(ClusterConfig(window_s=3600))
    a = c.observe(story("s1"))
    later = c.observe(story("s2", OTHER, at=T0 + 7200, seed=3, ents=("Lakeside",)))
    assert later.evicted_stories == ["s1"] and later.closed_clusters == [a.cluster_id]
    assert c.observe(story("s3", at=T0 + 7300)).duplicate_of is None  # the original left the index


def test_caps_bound_the_state() -> None:
    c = EventClusterer(ClusterConfig(max_stories=5, max_clusters=3))
    for i in range(20):
        c.observe(story(f"s{i}", f"{OTHER} number {i} " * (i + 1), at=T0 + i, seed=i, ents=(f"P{i}",)))
    assert len(c.stories) <= 5 and len(c.clusters) <= 3


def test_restore_rebuilds_the_same_state_from_records() -> None:
    cfg = ClusterConfig()
    c = EventClusterer(cfg)
    feats = [story("s1"), story("s2", "SALTMARSH - " + BODY, at=T0 + 10, seed=5), story("s3", OTHER, at=T0 + 20, seed=3, ents=("Lakeside",))]
    decided = [c.observe(f) for f in feats]
    rows = [StoryRecord.of_dict(c.stories[f.story_id].as_dict()) for f in feats]
    fresh = EventClusterer(cfg)
    assert fresh.restore(reversed(rows)) == 3
    assert {k: r.cluster_id for k, r in fresh.stories.items()} == {a.story_id: a.cluster_id for a in decided}
    nxt = story("s4", BODY + " More.", at=T0 + 30, seed=1)
    assert c.observe(replace(nxt)).cluster_id == fresh.observe(replace(nxt)).cluster_id


def test_source_of_ids() -> None:
    assert source_of("urn:northwire:2026:x") == "northwire"
    assert source_of("urn:wirestream:seed:2026:x") == "seed"
    assert source_of("https://example.org/a/b") == "example.org"
    assert source_of("abc123", "By A. Writer") == "By A. Writer"


def test_bcubed() -> None:
    gold = {"a": "1", "b": "1", "c": "2"}
    assert bcubed(gold, {"a": "x", "b": "x", "c": "y"}) == (1.0, 1.0, 1.0)
    p, r, _f = bcubed(gold, {"a": "x", "b": "y", "c": "z"})
    assert p == 1.0 and abs(r - 2 / 3) < 1e-9
