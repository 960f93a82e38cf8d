"""Topic evaluation: readers of each set's layout, the scores (accuracy, macro-F1, ECE, recall), the own set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.models import Topic
from streams.enrich.document import Document
from streams.enrich.iptc import TOP_LEVEL_SLUGS, by_code
from streams.enrich.topics import TopicModel
from streams.eval.topics import (
    OWN_DIR,
    evaluate_topic_set,
    evaluate_topics,
    expected_calibration_error,
    read_own,
    score_set,
)


def _topic(code: str, confidence: float) -> Topic:
    t = by_code[code]
    return Topic(code=code, name=t.name, level=t.level, parent=t.parent, slug=t.slug, confidence=confidence)


def test_ece_of_perfectly_calibrated_and_overconfident_predictions() -> None:
    assert expected_calibration_error([], []) == 0.0
    # 10 predictions at 0.8, 8 right: calibrated
    assert expected_calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0.0)
    # always 0.9 sure, right half the time
    assert expected_calibration_error([0.9] * 4, [True, False, True, False]) == pytest.approx(0.4)
    # two bins, weighted by their share
    ece = expected_calibration_error([0.95, 0.95, 0.25, 0.25], [True, True, True, False])
    assert ece == pytest.approx(0.5 * 0.05 + 0.5 * 0.25)


def test_score_set_keys_and_values() -> None:
    pol, spo, bus = "medtop:11000000", "medtop:15000000", "medtop:04000000"
    items = [(Document(str(i), "h", "b"), g) for i, g in enumerate([pol, pol, spo, spo])]
    predicted = [
        [_topic(pol, 0.9)],
        [_topic(bus, 0.6), _topic(pol, 0.3), _topic("medtop:20000574", 0.2)],
        [_topic(spo, 0.8)],
        [_topic(spo, 0.7)],
    ]
    r = score_set("x", items, predicted, route_min_confidence=0.5)
    assert r["topics.x.accuracy"] == 0.75
    assert r["topics.x.recall.politics"] == 0.5 and r["topics.x.recall.sport"] == 1.0
    assert r["topics.x.f1.politics"] == pytest.approx(round(2 / 3, 4))
    assert r["topics.x.macro_f1"] == pytest.approx(round((2 / 3 + 1.0) / 2, 4), abs=1e-4)
    assert "topics.x.recall.economy-business-finance" not in r  # only gold topics are scored
    assert r["topics.x.docs"] == 4.0
    assert 0.0 <= r["topics.x.ece"] <= 1.0
    # routed at >= 0.5: pol(0.9) right, bus(0.6) wrong, spo(0.8), spo(0.7) right
    assert r["topics.x.routed_precision"] == 0.75 and r["topics.x.routed_recall"] == 0.75


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return TopicModel.load(threads=1)


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_each_set_layout_is_read_and_scored(tmp_path: Path, model: TopicModel) -> None:
    match = "Striker scores twice as United win the cup final"
    body = "The striker scored twice in the second half as United beat City 2-0 in the cup final at the stadium."
    _write_jsonl(tmp_path / "bbc-news" / "articles.jsonl", [{"id": "sport/1", "category": "sport", "headline": match, "body": body}])
    _write_jsonl(
        tmp_path / "huffpost" / "dev.jsonl",
        [
            {"id": "h1", "headline": "striker scores twice as united win the cup final", "description": "", "iptc": "medtop:15000000"},
            {"id": "h2", "headline": "world leaders meet", "description": "", "iptc": None},
        ],
    )
    _write_jsonl(
        tmp_path / "masakhanews-en" / "dev.jsonl",
        [{"id": "m1", "category": "sports", "iptc": "medtop:15000000", "headline": match, "body": body, "url": "/x"}],
    )
    report = evaluate_topics(tmp_path, model, sets=("bbc", "huffpost", "masakhanews"), predictions_dir=tmp_path / "p")
    for name in ("bbc", "huffpost", "masakhanews"):
        assert report[f"topics.{name}.docs"] == 1.0  # huffpost rows without an IPTC code are left out
        assert report[f"topics.{name}.accuracy"] == 1.0
        assert report[f"topics.{name}.recall.sport"] == 1.0
        assert f"topics.{name}.ece" in report and f"topics.{name}.macro_f1" in report
        rows = (tmp_path / "p" / f"topics.{name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert json.loads(rows[0])["gold"] == "medtop:15000000"


def test_a_missing_set_is_skipped(tmp_path: Path, model: TopicModel) -> None:
    assert evaluate_topic_set("bbc", tmp_path / "nothing.jsonl", model) == {}
    assert evaluate_topics(tmp_path, model, sets=("bbc", "huffpost", "masakhanews")) == {}


def test_own_folder_layout_reads_every_seed_format(tmp_path: Path, model: TopicModel) -> None:
    (tmp_path / "sport").mkdir()
    (tmp_path / "sport" / "a.txt").write_text(
        "date 2026-05-01\nThe striker scored a hat-trick as the club won the league title on the final day.\n"
    )
    (tmp_path / "not-a-topic").mkdir()
    (tmp_path / "not-a-topic" / "b.txt").write_text("date 2026-05-01\nIgnored.\n")
    report = evaluate_topic_set("own", tmp_path, model)
    assert report["topics.own.docs"] == 1.0 and report["topics.own.recall.sport"] == 1.0


def test_the_projects_own_set_covers_all_17_topics_with_15_stories_each() -> None:
    items = read_own(OWN_DIR)
    by_slug: dict[str, int] = {}
    for doc, code in items:
        by_slug[by_code[code].slug] = by_slug.get(by_code[code].slug, 0) + 1
        assert doc.body and doc.language in (None, "en")
    assert set(by_slug) == set(TOP_LEVEL_SLUGS)
    assert min(by_slug.values()) >= 15
    formats = {p.suffix for p in OWN_DIR.glob("*/*")}
    assert formats == {".txt", ".json", ".xml"}


def test_the_shipped_model_on_the_own_set(model: TopicModel) -> None:
    report = evaluate_topic_set("own", OWN_DIR, model)
    assert report["topics.own.accuracy"] >= 0.85
    assert min(v for k, v in report.items() if ".recall." in k) >= 0.6
