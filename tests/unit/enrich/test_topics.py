"""Topics: the IPTC table, the Labour guard, the reading windows, and the shipped topic model on stories written for
these tests (and the seeds' flood story)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from schemas.models import Topic
from streams.enrich.document import Document
from streams.enrich.iptc import ALL_TOPICS, SECOND_LEVEL, TOP_LEVEL, by_code, slug_for
from streams.enrich.topic_text import HEADLINE_TOKENS, chunk_ids, disambiguate_labour
from streams.enrich.topics import DEFAULT_MODEL_DIR, TopicModel, softmax
from streams.ingest import parse_message

SEEDS = Path(__file__).resolve().parents[3] / "seeds"

# --------------------------------------------------------------------------- IPTC table


def test_there_are_exactly_the_17_top_level_media_topics() -> None:
    assert len(TOP_LEVEL) == 17
    assert {t.code for t in TOP_LEVEL} == {f"medtop:{n:02d}000000" for n in range(1, 18)}
    assert all(t.level == 1 and t.parent is None for t in TOP_LEVEL)


def test_codes_are_well_formed_and_unique() -> None:
    codes = [t.code for t in ALL_TOPICS]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"medtop:\d{8}", c) for c in codes)
    assert all(t.description and t.name for t in ALL_TOPICS)


def test_slugs_are_unique_kebab_case_and_inherited_by_second_level() -> None:
    slugs = [t.slug for t in TOP_LEVEL]
    assert len(set(slugs)) == 17
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", s) for s in slugs)
    for topic in SECOND_LEVEL:
        assert topic.level == 2 and topic.parent is not None
        parent = by_code[topic.parent]
        assert parent.level == 1 and topic.slug == parent.slug


@pytest.mark.parametrize(
    ("code", "slug"),
    [
        ("medtop:11000000", "politics"),
        ("medtop:15000000", "sport"),
        ("medtop:04000000", "economy-business-finance"),
        ("medtop:13000000", "science-technology"),
        ("medtop:20000574", "politics"),
        ("medtop:20000822", "sport"),
    ],
)
def test_slug_for(code: str, slug: str) -> None:
    assert slug_for(code) == slug


def test_slug_for_an_unknown_code_raises() -> None:
    with pytest.raises(KeyError):
        slug_for("medtop:99999999")


# --------------------------------------------------------------------------- Labour guard


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Labour leader said", "Labour party leader said"),
        ("the Labour Party won", "the Labour party won"),
        ("Labour's manifesto", "Labour party's manifesto"),
        ("Labour Day parade", "Labour Day parade"),
        ("Labour market figures", "Labour market figures"),
        ("cheap labour and unions", "cheap labour and unions"),
    ],
)
def test_labour_the_party_is_told_apart_from_labour_the_topic(text: str, expected: str) -> None:
    assert disambiguate_labour(text) == expected


# --------------------------------------------------------------------------- reading windows


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    tok = Tokenizer.from_file(str(DEFAULT_MODEL_DIR / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def test_windows_repeat_the_headline_and_cover_consecutive_body_text(tokenizer: Tokenizer) -> None:
    body = " ".join(f"word{i}" for i in range(400))
    windows = chunk_ids(tokenizer, "Storm hits coast", body, chunk_tokens=64, max_chunks=3)
    head = tokenizer.encode("Storm hits coast", add_special_tokens=False).ids
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    assert len(windows) == 3 and all(len(w) <= 64 for w in windows)
    for w in windows:
        assert w[0] == cls_id and w[-1] == sep_id and w[1 : 1 + len(head)] == head
    parts = [w[1 + len(head) : -1] for w in windows]
    assert sum(parts, []) == tokenizer.encode(body, add_special_tokens=False).ids[: sum(map(len, parts))]


def test_windows_of_short_or_empty_stories(tokenizer: Tokenizer) -> None:
    assert len(chunk_ids(tokenizer, "Headline only", "", chunk_tokens=128, max_chunks=2)) == 1
    assert chunk_ids(tokenizer, "", "", chunk_tokens=128, max_chunks=2) == [
        [tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")]
    ]
    # a short tail is not worth a window of its own
    body = " ".join(f"w{i}" for i in range(70))
    assert len(chunk_ids(tokenizer, "", body, chunk_tokens=64, max_chunks=4)) == len(
        chunk_ids(tokenizer, "", body, chunk_tokens=64, max_chunks=1)
    ) + (len(tokenizer.encode(body, add_special_tokens=False).ids) - 62 >= 24)


def test_long_headlines_are_cut(tokenizer: Tokenizer) -> None:
    [window] = chunk_ids(tokenizer, "very " * 100, "", chunk_tokens=128, max_chunks=1)
    assert len(window) == HEADLINE_TOKENS + 2


def test_labour_guard_applies_to_the_windows(tokenizer: Tokenizer) -> None:
    [a] = chunk_ids(tokenizer, "Labour leader speaks", "", chunk_tokens=64, max_chunks=1)
    [b] = chunk_ids(tokenizer, "Labour party leader speaks", "", chunk_tokens=64, max_chunks=1)
    assert a == b


def test_softmax_rows_sum_to_one() -> None:
    p = softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]))
    assert np.allclose(p.sum(axis=1), 1.0) and p[1, 0] == pytest.approx(1.0)


# --------------------------------------------------------------------------- shipped model

STORIES = {
    "sport": (
        "United snatch late winner at Anfield",
        "A stoppage-time header from the centre-back gave United a 2-1 win over Liverpool on Sunday, lifting the "
        "visitors to third in the Premier League table. The home side had led through a first-half penalty before "
        "the striker equalised after the break. The manager praised his players' spirit after the match.",
    ),
    "economy-business-finance": (
        "Central bank raises interest rates to 4.5%",
        "The central bank raised its benchmark interest rate by a quarter of a point on Thursday, saying inflation "
        "remained too high. Economists had expected the move after consumer prices rose faster than forecast. "
        "The currency strengthened and shares in banks rose on the stock exchange.",
    ),
    "politics": (
        "Opposition leader launches election campaign",
        "The leader of the opposition launched his party's general election campaign on Monday, promising to cut "
        "taxes and hire more nurses. The prime minister called the plans uncosted. Voters go to the polls on 5 May, "
        "and the latest opinion poll puts the two main parties level.",
    ),
    "science-technology": (
        "New chip doubles phone battery life",
        "A chipmaker has unveiled a processor for smartphones that it says uses half the power of current designs. "
        "The company said handsets using the chip would reach shops next year, and software developers can already "
        "test it. Analysts said the technology could also be used in laptops.",
    ),
    "arts-culture-entertainment-media": (
        "Director's war drama leads Oscar nominations",
        "The war drama has received eleven Academy Award nominations, including best picture, best director and "
        "best actor. The film, which cost 40m dollars to make, has taken 200m at the box office. Its star said she "
        "was thrilled for the whole cast and crew.",
    ),
    "weather": (
        "Snow and ice warnings as cold snap arrives",
        "Forecasters have issued warnings for snow and ice across the north, with temperatures expected to fall to "
        "minus ten overnight. Up to 20cm of snow could settle on higher ground, and more wintry showers are forecast "
        "for the weekend before milder air arrives.",
    ),
    "health": (
        "Hospitals treat record number of flu patients",
        "Hospitals admitted more patients with flu last week than at any time in the past decade, health officials "
        "said. Doctors urged older people to get vaccinated, and some wards closed to visitors to stop the virus "
        "spreading. Waiting times in emergency departments rose sharply.",
    ),
}


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return TopicModel.load(threads=1)


def test_shipped_model_files_are_in_the_package() -> None:
    for name in ("model.onnx", "tokenizer.json", "head.npz", "config.json", "TRAINING.md"):
        assert (DEFAULT_MODEL_DIR / name).is_file(), name
    total = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert total < 30_000_000


@pytest.mark.parametrize("slug", sorted(STORIES))
def test_written_stories_get_the_expected_top_topic(model: TopicModel, slug: str) -> None:
    headline, body = STORIES[slug]
    [topics] = model.predict([Document("t", headline, body, "en")])
    assert topics[0].level == 1 or topics[0].slug == slug
    best_top = next(t for t in topics if t.level == 1)
    assert best_top.slug == slug, [(t.code, t.name, t.confidence) for t in topics]


def test_labour_party_story_is_politics_not_labour(model: TopicModel) -> None:
    doc = Document(
        "t",
        "Labour pledges to cut class sizes",
        "Labour has promised to reduce class sizes if it wins the next election, the party's leader told "
        "activists at its spring conference. The Conservatives said the pledge could not be paid for.",
        "en",
    )
    [topics] = model.predict([doc])
    assert next(t for t in topics if t.level == 1).slug == "politics"
    assert all(t.slug != "labour" or t.confidence < 0.5 for t in topics)


def test_predict_contract(model: TopicModel) -> None:
    docs = [Document(str(i), h, b, "en") for i, (h, b) in enumerate(STORIES.values())]
    docs.append(Document("empty", "", "", "en"))
    results = model.predict(docs)
    assert len(results) == len(docs)
    for topics in results:
        assert topics and any(t.level == 1 for t in topics)
        assert all(isinstance(t, Topic) and 0.0 <= t.confidence <= 1.0 for t in topics)
        assert [t.confidence for t in topics] == sorted((t.confidence for t in topics), reverse=True)
        for t in topics:
            assert t.slug == slug_for(t.code) and t.name == by_code[t.code].name
            if t.level == 2:
                assert any(p.code == t.parent for p in topics)
    assert model.predict([]) == []
    assert model.version


def test_predictions_do_not_depend_on_batch_company(model: TopicModel) -> None:
    docs = [Document(str(i), h, b, "en") for i, (h, b) in enumerate(STORIES.values())]
    together = model.predict(docs)
    alone = [model.predict([d])[0] for d in docs]
    for a, b in zip(together, alone, strict=True):
        assert [t.code for t in a] == [t.code for t in b]
        assert [t.confidence for t in a] == pytest.approx([t.confidence for t in b], abs=2e-3)


def test_the_model_reads_the_configured_windows(model: TopicModel) -> None:
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    assert model.window.chunk_tokens == config["chunk_tokens"] and model.window.max_chunks == config["max_chunks"]
    doc = Document("t", "Headline", " ".join(["The council met again to discuss the plan."] * 200), "en")
    windows = model.chunks(doc)
    assert len(windows) == model.window.max_chunks
    assert all(len(w) <= model.window.chunk_tokens for w in windows)
    assert 0.0 <= config["route_min_confidence"] <= 1.0


def test_confidences_are_calibrated_by_a_temperature(model: TopicModel) -> None:
    assert 0.1 < model.temperature < 10.0 and 0.1 < model.temperature_body < 10.0
    # a headline alone and a story with body text each get their own temperature
    assert list(model.temperatures([True, False], 2)) == [model.temperature_body, model.temperature]
    assert list(model.temperatures(None, 1)) == [model.temperature_body]
    headline_only = Document("h", STORIES["sport"][0], "", "en")
    emb = model.embed([headline_only])
    assert model.predict([headline_only]) == model.predict_embedded(emb, [False])
    [topics] = model.predict([Document("t", *STORIES["sport"], "en")])
    assert sum(t.confidence for t in topics if t.level == 1) <= 1.0 + 1e-3


def test_a_model_directory_with_only_max_length_reads_one_window(tmp_path: Path) -> None:
    for name in ("model.onnx", "tokenizer.json", "head.npz"):
        shutil.copyfile(DEFAULT_MODEL_DIR / name, tmp_path / name)
    (tmp_path / "config.json").write_text(
        json.dumps({"version": "old-1", "max_length": 64, "thresholds": {"extra_top": 0.25, "second_level": 0.35}})
    )
    old = TopicModel.load(tmp_path)
    assert (old.window.chunk_tokens, old.window.max_chunks) == (64, 1)
    [topics] = old.predict([Document("t", *STORIES["sport"], "en")])
    assert topics


def test_seed_flood_story_is_weather_or_disaster_and_not_sport(model: TopicModel) -> None:
    story = parse_message((SEEDS / "n02_flood_barrier_holds.json").read_bytes(), received_at=datetime.now(UTC))
    [topics] = model.predict([Document.of_story(story)])
    best = next(t for t in topics if t.level == 1)
    assert best.slug in {"weather", "disaster-accident-emergency", "environment"}, topics
    assert any(t.slug in {"weather", "disaster-accident-emergency"} and t.level == 1 for t in topics), topics
    assert all(t.slug != "sport" for t in topics)


# --------------------------------------------------------------------------- routing by confidence


def test_stories_go_to_a_topic_only_when_its_confidence_reaches_the_setting(model: TopicModel) -> None:
    import asyncio

    from schemas.models import Enrichment
    from streams.config import Settings
    from streams.output import SourceRef
    from streams.processing import BatchProcessor, RawRecord
    from streams.testing import MemoryPublisher

    raw = (SEEDS / "n02_flood_barrier_holds.json").read_bytes()
    story = parse_message(raw, received_at=datetime.now(UTC))
    [topics] = model.predict([Document.of_story(story)])

    class Runner:
        async def enrich(self, docs: list[Document]) -> list[Enrichment]:
            return [Enrichment(language="en", topics=topics) for _ in docs]

    def routed(threshold: float) -> tuple[list[str], list[str]]:
        processor = BatchProcessor(Settings(topic_route_min_confidence=threshold), Runner())  # type: ignore[arg-type]
        record = RawRecord(key=None, value=raw, source=SourceRef("wire.raw", 0, 0), timestamp=1_700_000_000.0)

        async def run() -> MemoryPublisher:
            pub = MemoryPublisher()
            await processor.publish(await processor.process([record]), pub)
            return pub

        sent = asyncio.run(run()).sent
        enriched = [v for t, _, v, _ in sent if t == "wire.enriched"]
        kept = [t["slug"] for t in json.loads(enriched[0])["wirestream"]["topics"] if t["level"] == 1]
        return [t for t, *_ in sent if t.startswith("wire.topic.")], kept

    top_level = [t for t in topics if t.level == 1]
    for threshold in (0.0, Settings().topic_route_min_confidence, 1.0):
        per_topic, kept = routed(threshold)
        assert per_topic == [f"wire.topic.{t.slug}" for t in top_level if t.confidence >= threshold]
        assert kept == [t.slug for t in top_level]  # wire.enriched keeps every topic
        assert "wire.topic.sport" not in per_topic
