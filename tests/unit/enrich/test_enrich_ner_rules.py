"""News post-rules over model mentions, on hand-made mentions and texts."""

from __future__ import annotations

import pytest

from schemas.models import EntityType
from streams.enrich.document import Document
from streams.enrich.entities import RawMention, Sentence
from streams.enrich.ner_rules import NerRules


@pytest.fixture(scope="module")
def rules() -> NerRules:
    return NerRules.load()


def found(doc: Document, mentions: list[RawMention], rules: NerRules) -> set[tuple[str, str]]:
    sents = [Sentence("body", 0, 0, len(doc.body), doc.body)]
    return {(m.text, m.type) for m in rules.apply(doc, mentions, sents)}


def at(text: str, name: str, etype: EntityType, label: str = "X") -> RawMention:
    i = text.index(name)
    return RawMention(name, "body", i, i + len(name), 0, etype, label)


@pytest.mark.parametrize(
    ("line", "teams"),
    [
        ("Riverton 3 Lakeside 2 ( halftime 1-0 )", ["Riverton", "Lakeside"]),
        ("Northfield 4 2 0 2 5 5 6", ["Northfield"]),
        ("June 18 v Westshire", ["Westshire"]),
        ("In 1996 the club was founded", []),
    ],
)
def test_team_spans(rules: NerRules, line: str, teams: list[str]) -> None:
    assert [line[s:e] for s, e in rules._team_spans(line)] == teams


def test_team_sport_result_lines_make_clubs(rules: NerRules) -> None:
    body = "LONDON 1996-08-30\nRiverton 3 Lakeside 2\nItaly 1 Spain 0\nA. Smith 45 , B. Jones 12"
    doc = Document("s", "SOCCER - CUP RESULTS", body, "en")
    ms = [at(body, "LONDON", "GPE"), at(body, "Riverton", "GPE"), at(body, "Lakeside", "PERSON")]
    out = found(doc, ms, rules)
    assert {("LONDON", "GPE"), ("Riverton", "ORG"), ("Lakeside", "ORG"), ("Italy", "LOC"), ("Spain", "LOC"),
            ("A. Smith", "PERSON")} <= out


def test_rules_stay_off_outside_sport(rules: NerRules) -> None:
    body = "Riverton 3 percent higher, the mayor of Riverton said."
    doc = Document("b", "Markets rise", body, "en")
    assert found(doc, [at(body, "Riverton", "GPE")], rules) == {("Riverton", "GPE")}


def test_athletes_with_countries_in_individual_sports(rules: NerRules) -> None:
    body = "Jan Novak ( Norway ) beat Piet Aalders ( Netherlands ) 6-3 6-4"
    doc = Document("t", "TENNIS - RESULTS", body, "en")
    out = found(doc, [at(body, "Jan Novak ( Norway", "ORG")], rules)
    assert {("Jan Novak", "PERSON"), ("Norway", "LOC"), ("Piet Aalders", "PERSON"), ("Netherlands", "LOC")} <= out


def test_missed_dateline_acronym_and_agency(rules: NerRules) -> None:
    body = "BONN 1996-08-30\nThe QWZP party met, Interfax said. The CEO left."
    doc = Document("p", "Party meets", body, "en")
    out = found(doc, [], rules)
    assert {("BONN", "GPE"), ("QWZP", "ORG"), ("Interfax", "ORG")} <= out
    assert not any(t == "CEO" for t, _ in out)  # an ordinary news word, not an organisation


def test_common_words_at_line_start_are_dropped(rules: NerRules) -> None:
    body = "Attendance: 20,000\nExtras were few."
    doc = Document("c", "", body, "en")
    assert found(doc, [at(body, "Attendance", "PERSON")], rules) == set()


def test_slug_and_bracket_splitting(rules: NerRules) -> None:
    headline_text = "SOCCER - RIVERTON WIN"
    m = RawMention("SOCCER - RIVERTON", "headline", 0, 17, 0, "ORG", "ORG")
    out = rules.apply(Document("h", headline_text, "", "en"), [m], [])
    assert [(x.text, x.start) for x in out] == [("RIVERTON", 9)]


def test_a_name_after_a_personal_title_is_a_person_but_not_general_motors() -> None:
    from streams.enrich.ner_rules import NerRules

    rules = NerRules.load()
    assert rules._titled_person("Councillor Priya Ramaswamy")
    assert rules._titled_person("Dr. Henrik Solberg")
    assert not rules._titled_person("General Motors")
    assert not rules._titled_person("Mayor of London")
    assert not rules._titled_person("Mr Smith Holdings Ltd")


def test_demonyms_of_known_places_are_misc_not_organisations() -> None:
    from streams.enrich.ner_rules import _demonym

    assert _demonym("Guatemalan", {"guatemala"})
    assert _demonym("Brazilians", {"brazil"})
    assert not _demonym("Guatemala", {"guatemala"})
    assert not _demonym("Reuters", {"guatemala"})
    assert not _demonym("New Mexican", {"mexico"})


def test_a_name_after_port_of_is_a_place() -> None:
    from streams.enrich.document import Document
    from streams.enrich.entities import RawMention
    from streams.enrich.ner_rules import NerRules

    body = "Dock workers at the port of Saltmarsh walked out."
    start = body.index("Saltmarsh")
    doc = Document("d", "Strike", body)
    mention = RawMention("Saltmarsh", "body", start, start + 9, 0, "ORG", "ORG")
    (out,) = NerRules.load().apply(doc, [mention], [])
    assert out.type == "GPE"
