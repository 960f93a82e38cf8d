"""The topic model's training material: the project's own articles, the AllSides mapping, held-out splits."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from streams.enrich.iptc import TOP_LEVEL
from streams.eval.topics import OWN_DIR, read_own
from training import topics_data as td

TOP_CODES = {t.code for t in TOP_LEVEL}


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", text.lower()))


def test_own_articles_are_long_labelled_stories() -> None:
    articles = td.own_articles()
    assert len(articles) >= 250
    assert {a.code for a in articles} <= TOP_CODES
    assert all(len(a.body.split()) >= 100 and a.headline for a in articles)
    assert len({a.headline for a in articles}) == len(articles)


def test_no_training_story_repeats_an_evaluation_story() -> None:
    """The own evaluation set stays out of training: no training headline is (nearly) an evaluation headline."""
    evaluation = [_words(doc.headline or doc.body[:80]) for doc, _ in read_own(OWN_DIR)]
    for example in td.own_articles() + td.own_examples():
        words = _words(example.headline)
        for other in evaluation:
            overlap = len(words & other) / max(1, len(words | other))
            assert overlap < 0.8, (example.headline, sorted(other))


def test_held_out_is_stable_and_about_one_in_seven() -> None:
    articles = td.own_articles()
    held = [a for a in articles if td.held_out(a)]
    assert held == [a for a in td.own_articles() if td.held_out(a)]
    assert 0.07 < len(held) / len(articles) < 0.25


def test_allsides_maps_only_the_listed_topics(tmp_path: Path) -> None:
    folder = tmp_path / "article-bias-prediction"
    folder.mkdir()
    rows = [
        {"ID": "a", "topic": "coronavirus", "title": "T1", "content_original": "Body one."},
        {"ID": "b", "topic": "healthcare", "title": "T2", "content_original": "Body two."},
        {"ID": "c", "topic": "labor", "title": "T3", "content_original": ""},
    ]
    (folder / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found = td.allsides(tmp_path)
    assert [(e.id, e.code) for e in found] == [("a", "medtop:07000000")]
    assert set(td.ALLSIDES_TO_IPTC.values()) <= TOP_CODES
    assert td.allsides(tmp_path / "missing") == []


def test_capped_keeps_at_most_the_limit_of_one_topic() -> None:
    examples = [td.Example(str(i), "h", "b", "medtop:11000000" if i % 2 else "medtop:07000000", "x") for i in range(20)]
    out = td.capped(examples, "medtop:11000000", 3, random.Random(1))
    assert sum(e.code == "medtop:11000000" for e in out) == 3
    assert sum(e.code == "medtop:07000000" for e in out) == 10
