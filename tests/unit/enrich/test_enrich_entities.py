"""NER with the real spaCy model on short texts written for these tests.

``recognizer`` runs the post-rules kept for spaCy (:data:`SPACY_RULES`); ``all_rules`` every declared rule, for
the tests of rules the ablation dropped from the default (they stay declared and selectable).
"""

from __future__ import annotations

import pytest

from streams.enrich.document import Document
from streams.enrich.entities import EntityRecognizer
from streams.enrich.ner_rules import ALL_RULES
from streams.enrich.truecase import is_shouting, recase_shouting


@pytest.fixture(scope="module")
def recognizer() -> EntityRecognizer:
    return EntityRecognizer.load()


@pytest.fixture(scope="module")
def all_rules() -> EntityRecognizer:
    return EntityRecognizer.load(rules=ALL_RULES)


def test_offsets_point_into_headline_and_body(recognizer: EntityRecognizer) -> None:
    doc = Document("d1", "Angela Merkel visits Paris", "Angela Merkel met Emmanuel Macron in Paris on Monday.\n\n"
                   "Later, Microsoft announced a new office in Berlin.", "en")
    (result,) = recognizer.recognize([doc])
    assert result.mentions, "expected entities"
    for m in result.mentions:
        text = doc.headline if m.field == "headline" else doc.body
        assert text[m.start : m.end] == m.text
    by_text = {(m.field, m.text): m.type for m in result.mentions}
    assert by_text[("body", "Paris")] == "GPE"
    assert by_text[("body", "Microsoft")] == "ORG"
    assert any(t == "PERSON" for (f, _), t in by_text.items() if f == "headline")


def test_dates_and_numbers_are_dropped(recognizer: EntityRecognizer) -> None:
    doc = Document("d2", "", "On 3 March 2021 the company sold 400 cars for $2 million, 20 percent more.", "en")
    (result,) = recognizer.recognize([doc])
    assert all(m.type in {"PERSON", "ORG", "GPE", "LOC", "MISC"} for m in result.mentions)
    assert not any(ch.isdigit() for m in result.mentions for ch in m.text)


def test_sentences_split_on_punctuation_and_line_breaks(recognizer: EntityRecognizer) -> None:
    body = "First sentence here. Second one follows!\nA line without a full stop\nLast line."
    (result,) = recognizer.recognize([Document("d3", "A headline", body, "en")])
    body_sents = [s for s in result.sentences if s.field == "body"]
    assert [s.text for s in body_sents] == ["First sentence here.", "Second one follows!",
                                            "A line without a full stop", "Last line."]
    assert all(body[s.start : s.end] == s.text for s in body_sents)
    assert [s.index for s in body_sents] == [0, 1, 2, 3]


def test_mention_sentence_index(recognizer: EntityRecognizer) -> None:
    body = "The weather was calm. Then Barack Obama arrived in Chicago."
    (result,) = recognizer.recognize([Document("d4", "", body, "en")])
    obama = next(m for m in result.mentions if "Obama" in m.text)
    assert obama.sentence == 1


def test_news_agency_rule_adds_missed_agency(all_rules: EntityRecognizer) -> None:
    body = "The minister resigned on Tuesday, Interfax said, citing officials."
    (result,) = all_rules.recognize([Document("d5", "", body, "en")])
    assert ("Interfax", "ORG") in {(m.text, m.type) for m in result.mentions}


def test_possessive_and_article_are_trimmed(recognizer: EntityRecognizer) -> None:
    body = "Google's results beat forecasts, the company said."
    (result,) = recognizer.recognize([Document("d6", "", body, "en")])
    assert "Google" in {m.text for m in result.mentions}


def test_empty_texts(recognizer: EntityRecognizer) -> None:
    (result,) = recognizer.recognize([Document("d7", "", "", "en")])
    assert result.mentions == () and result.sentences == ()


@pytest.mark.parametrize(
    ("line", "expected"),
    [("WORLD LEADERS MEET IN GENEVA", True), ("World leaders meet in Geneva", False), ("NATO", False),
     ("The UN and NATO met", False)],
)
def test_is_shouting(line: str, expected: bool) -> None:
    assert is_shouting(line) is expected


def test_recasing_keeps_length_and_only_touches_capital_lines() -> None:
    text = "SOCCER - BARCELONA BEAT MADRID IN THE CUP\nNormal line with NATO."
    out = recase_shouting(text)
    assert len(out) == len(text)
    assert out.split("\n")[1] == text.split("\n")[1]
    assert out.split("\n")[0] != text.split("\n")[0]
    assert out.lower() == text.lower()


def test_version_names_the_model_and_the_rule_set(recognizer: EntityRecognizer) -> None:
    from streams.enrich.ner_rules import RULES_VERSION

    assert recognizer.version == f"{recognizer.model_version}+rules.{RULES_VERSION}"
    assert recognizer.model_version.startswith("spacy-")


def test_default_rule_set_is_the_kept_one(recognizer: EntityRecognizer, all_rules: EntityRecognizer) -> None:
    from streams.enrich.ner_rules import SPACY_RULES

    assert [r.name for r in recognizer._rules.span_rules + recognizer._rules.type_rules + recognizer._rules.doc_rules] \
        == list(SPACY_RULES)  # fmt: skip
    assert len(all_rules._rules.span_rules + all_rules._rules.type_rules + all_rules._rules.doc_rules) == len(ALL_RULES)


def test_casing_is_built_once_and_read_only() -> None:
    from streams.enrich.truecase import casing

    assert casing() is casing()
    assert casing()["nato"] == "NATO" and casing()["officials"] == "officials"
    with pytest.raises(TypeError):
        casing()["nato"] = "nato"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "name", "etype"),
    [
        ("Scientists at the University of Brackenford built a sensor. The Brackenford team said it was cheap.",
         "University of Brackenford", "ORG"),
        ("Runners praised the Harbourside Marathon on Sunday after the race ended.", "Harbourside Marathon", "MISC"),
        ("The fraud was found by Nadia Okonkwo, a junior clerk in the finance office.", "Nadia Okonkwo", "PERSON"),
        ("The U.S. sent aid on Monday. Officials in the United States said more would follow.", "United States", "GPE"),
    ],
)
def test_story_entities_after_rules_and_clustering(all_rules: EntityRecognizer, body: str, name: str, etype: str) -> None:
    from streams.enrich.clustering import cluster_mentions, propagate
    from streams.enrich.truecase import casing

    doc = Document("r", "", body, "en")
    (result,) = all_rules.recognize([doc])
    clusters = cluster_mentions(result.mentions)
    propagate(doc, clusters, result.sentences, casing())
    by_name = {c.name: c for c in clusters}
    assert name in by_name, sorted(by_name)
    assert by_name[name].type == etype
    last = name.split()[-1]
    assert [c.name for c in clusters if last in c.name.split()] == [name]  # no second entity for a short form


def test_identity_acronyms_and_combining_forms_are_not_organisations(all_rules: EntityRecognizer) -> None:
    body = "She spoke up for indigenous people, LBGTQ people and Afro-descendants across the region."
    (result,) = all_rules.recognize([Document("a", "", body, "en")])
    assert not [m.text for m in result.mentions if m.type == "ORG"]
