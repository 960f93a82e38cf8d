"""Topics: the IPTC table, the Labour guard, and the shipped topic model on stories written for these tests."""

from __future__ import annotations

import re

import numpy as np
import pytest

from schemas.models import Topic
from streams.enrich.document import Document
from streams.enrich.iptc import ALL_TOPICS, SECOND_LEVEL, TOP_LEVEL, by_code, slug_for
from streams.enrich.topic_text import disambiguate_labour
from streams.enrich.topics import DEFAULT_MODEL_DIR, TopicModel, softmax

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
