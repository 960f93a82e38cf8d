"""Clustering of mentions into entities, on hand-made mentions."""

from __future__ import annotations

import pytest

from schemas.models import EntityType
from streams.enrich.clustering import acronym, cluster_mentions, name_words, propagate
from streams.enrich.document import Document
from streams.enrich.mentions import RawMention, Sentence


def mention(text: str, start: int, etype: EntityType = "PERSON", field: str = "body") -> RawMention:
    return RawMention(text, field, start, start + len(text), 0, etype, etype)  # type: ignore[arg-type]


def names(clusters: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(c.name, c.type, len(c.mentions)) for c in clusters]


def test_surname_and_possessive_join_full_name() -> None:
    ms = [mention("Kamala Harris", 0), mention("Harris", 40), mention("Harris's", 80)]
    assert names(cluster_mentions(ms)) == [("Kamala Harris", "PERSON", 3)]


def test_surname_typed_otherwise_still_joins_person() -> None:
    ms = [mention("Giammattei", 0, "ORG"), mention("Alejandro Giammattei", 30), mention("Giammattei", 90, "GPE")]
    assert names(cluster_mentions(ms)) == [("Alejandro Giammattei", "PERSON", 3)]


def test_title_is_not_part_of_the_name() -> None:
    ms = [mention("President Joe Biden", 0), mention("Biden", 50)]
    assert names(cluster_mentions(ms)) == [("Joe Biden", "PERSON", 2)]


def test_acronym_joins_organisation() -> None:
    ms = [mention("World Health Organization", 0, "ORG"), mention("WHO", 60, "ORG")]
    assert names(cluster_mentions(ms)) == [("World Health Organization", "ORG", 2)]


def test_ambiguous_surname_stays_apart() -> None:
    ms = [mention("John Smith", 0), mention("Mary Smith", 20), mention("Smith", 50)]
    clusters = cluster_mentions(ms)
    assert len(clusters) == 3


def test_different_types_do_not_merge_by_containment() -> None:
    ms = [mention("New York Times", 0, "ORG"), mention("New York", 30, "GPE")]
    assert len(cluster_mentions(ms)) == 2


def test_type_vote_with_precedence() -> None:
    ms = [mention("Jordan", 0, "GPE"), mention("Jordan", 20, "PERSON")]
    (cluster,) = cluster_mentions(ms)
    assert cluster.type == "PERSON"  # tie: PERSON > GPE
    ms.append(mention("Jordan", 40, "GPE"))
    assert cluster_mentions(ms)[0].type == "GPE"


def test_clusters_in_order_of_first_mention() -> None:
    ms = [mention("Paris", 0, "GPE"), mention("Emmanuel Macron", 10), mention("Macron", 40)]
    assert [c.name for c in cluster_mentions(ms)] == ["Paris", "Emmanuel Macron"]


@pytest.mark.parametrize(("text", "words"), [("Mr. John Smith", ("John", "Smith")), ("Harris's", ("Harris",)),
                                             ("Prime Minister Boris Johnson", ("Boris", "Johnson"))])
def test_name_words(text: str, words: tuple[str, ...]) -> None:
    assert name_words(text) == words


def test_acronym_skips_connectors() -> None:
    assert acronym(("Bank", "of", "England")) == "BE"


def test_propagate_adds_missed_surname_but_not_common_words() -> None:
    parts = ["Alexander Lebed met Theresa May.", "Lebed said the deal may fail.", "May Lebed return?"]
    body = " ".join(parts)
    sents, start = [], 0
    for i, p in enumerate(parts):
        sents.append(Sentence("body", i, start, start + len(p), p))
        start += len(p) + 1
    clusters = cluster_mentions([mention("Alexander Lebed", 0), mention("Theresa May", body.index("Theresa"))])
    propagate(Document("x", "", body, "en"), clusters, sents, {"may": "may"})
    lebed, may = clusters
    second = body.index("Lebed", len(parts[0]))
    third = body.index("Lebed", second + 1)
    assert [(m.text, m.start, m.sentence) for m in lebed.mentions] == [
        ("Alexander Lebed", 0, 0), ("Lebed", second, 1), ("Lebed", third, 2)]
    assert [m.text for m in may.mentions] == ["Theresa May"]  # "May" is usually a common word: not propagated


def test_spacing_variants_join() -> None:
    ms = [mention("Time Warner", 0, "ORG"), mention("TimeWarner", 30, "ORG")]
    assert names(cluster_mentions(ms)) == [("Time Warner", "ORG", 2)]


def test_first_word_of_an_organisation_taken_for_a_person_joins_it_but_a_place_does_not() -> None:
    from streams.enrich.clustering import cluster_mentions
    from streams.enrich.mentions import RawMention

    mentions = [
        RawMention("Vantor Semiconductor", "body", 0, 20, 0, "ORG", "ORG"),
        RawMention("Vantor", "body", 40, 46, 1, "PERSON", "PERSON"),
        RawMention("Saltmarsh Terminals", "body", 60, 79, 2, "ORG", "ORG"),
        RawMention("Saltmarsh", "body", 90, 99, 3, "GPE", "GPE"),
    ]
    clusters = cluster_mentions(mentions)
    names = sorted((c.name, c.type, len(c.mentions)) for c in clusters)
    assert names == [("Saltmarsh", "GPE", 1), ("Saltmarsh Terminals", "ORG", 1), ("Vantor Semiconductor", "ORG", 2)]


def test_a_person_surname_turns_a_misc_full_name_into_that_person() -> None:
    from streams.enrich.clustering import cluster_mentions

    mentions = [
        RawMention("Agnes Whitfield", "body", 0, 15, 0, "MISC", "MISC"),
        RawMention("Whitfield", "body", 40, 49, 1, "PERSON", "PERSON"),
    ]
    (cluster,) = cluster_mentions(mentions)
    assert (cluster.name, cluster.type, len(cluster.mentions)) == ("Agnes Whitfield", "PERSON", 2)


@pytest.mark.parametrize(
    ("forms", "expected"),
    [
        (["U.S.", "United States", "US"], [("United States", "GPE", 3)]),
        (["Britain", "U.K."], [("Britain", "GPE", 2)]),
        (["United States", "United Kingdom"], [("United States", "GPE", 1), ("United Kingdom", "GPE", 1)]),
    ],
)
def test_aliases_of_one_country_cluster_together(forms: list[str], expected: list[tuple[str, str, int]]) -> None:
    ms, start = [], 0
    for form in forms:
        ms.append(mention(form, start, "GPE"))
        start += len(form) + 10
    assert names(cluster_mentions(ms)) == expected


def test_the_x_of_an_organisation_of_x_taken_for_a_person_joins_it_but_a_place_does_not() -> None:
    ms = [mention("University of Eastbrook", 0, "ORG"), mention("Eastbrook", 40, "PERSON"),
          mention("University of Tynemouth", 60, "ORG"), mention("Tynemouth", 90, "GPE")]
    assert sorted(names(cluster_mentions(ms))) == [
        ("Tynemouth", "GPE", 1), ("University of Eastbrook", "ORG", 2), ("University of Tynemouth", "ORG", 1)]


def test_propagate_accepts_the_shared_casing_mapping() -> None:
    from streams.enrich.truecase import casing

    body = "Vantor Semiconductor rose. Vantor said more."
    clusters = cluster_mentions([mention("Vantor Semiconductor", 0, "ORG")])
    propagate(Document("c", "", body, "en"), clusters, [Sentence("body", 0, 0, len(body), body)], casing())
    assert [m.text for m in clusters[0].mentions] == ["Vantor Semiconductor"]  # an ORG's first word alone is not propagated
