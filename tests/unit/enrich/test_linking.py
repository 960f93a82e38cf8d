"""Linking: GeoNames places from the packaged gazetteers, demonyms, alias merging, stable ids, ninjs output."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.models import Enrichment, Entity, EntityLink, Mention, Story
from streams.enrich.linking import Linker, name_uri
from streams.enrich.linking.linker import dateline_places
from streams.enrich.linking.names import norm, slug
from streams.enrich.stages.linking import build, load_gazetteer
from streams.output import SourceRef, enriched_event


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_gazetteer())


def _e(i: int, type_: str, name: str, salience: float, *texts: str) -> Entity:
    mentions = [Mention(text=t, start=10 * (i * 10 + k), end=10 * (i * 10 + k) + len(t), sentence=0) for k, t in enumerate(texts or (name,))]
    return Entity(id=f"e{i}", name=name, type=type_, salience=salience, mentions=mentions)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "key"), [("U.S.", "us"), ("the United States", "united states"), ("Andrés's", "andres")])
def test_norm(text: str, key: str) -> None:
    assert norm(text) == key


def test_slug_and_name_uri() -> None:
    assert slug("Kamala Harris") == "kamala-harris"
    assert name_uri("PERSON", "Kamala Harris") == "ws:person:kamala-harris"


def test_aliases_of_one_country_merge_into_one_entity(linker: Linker) -> None:
    out = linker.link([_e(1, "GPE", "U.S.", 0.05), _e(2, "GPE", "United States", 0.03), _e(3, "GPE", "America", 0.02)])
    assert len(out) == 1
    us = out[0]
    assert (us.id, us.name, us.uri) == ("e1", "United States", "geonames:6252001")
    assert len(us.mentions) == 3 and us.salience == pytest.approx(0.10)
    assert us.link is not None and us.link.lat is not None and us.link.country_code == "US"


def test_uk_and_britain_are_one(linker: Linker) -> None:
    out = linker.link([_e(1, "GPE", "UK", 0.05), _e(2, "GPE", "Britain", 0.03)])
    assert [e.uri for e in out] == ["geonames:2635167"]


def test_demonyms_stay_misc_and_point_to_their_country(linker: Linker) -> None:
    out = linker.link([_e(1, "GPE", "Guatemala", 0.05), _e(2, "MISC", "Guatemalan", 0.04), _e(3, "MISC", "Guatemalans", 0.01)])
    by_type = {e.type: e for e in out}
    assert len(out) == 2
    misc = by_type["MISC"]
    assert misc.relations and misc.relations[0].type == "nationality"
    assert misc.relations[0].uri == "geonames:3595528" and misc.relations[0].entity_id == by_type["GPE"].id
    assert misc.uri == "ws:misc:guatemalan" and len(misc.mentions) == 2


def test_context_picks_the_us_state_and_population_the_big_city(linker: Linker) -> None:
    state = linker.link([_e(1, "GPE", "Georgia", 0.1), _e(2, "GPE", "Atlanta", 0.05), _e(3, "GPE", "Alabama", 0.05)])
    assert next(e for e in state if e.name == "Georgia").link.feature_code == "ADM1"  # type: ignore[union-attr]
    country = linker.link([_e(1, "GPE", "Georgia", 0.1), _e(2, "GPE", "Russia", 0.05)])
    assert next(e for e in country if e.name == "Georgia").link.feature_code == "PCLI"  # type: ignore[union-attr]
    portland = linker.link([_e(1, "GPE", "Portland", 0.1), _e(2, "GPE", "Oregon", 0.05)])
    assert portland[0].link is not None and portland[0].link.geonames_id == 5746545


def test_unsure_places_stay_unlinked_with_a_reason(linker: Linker) -> None:
    (nowhere,) = linker.link([_e(1, "LOC", "Xqzzyville Plateau", 0.1)])
    assert nowhere.link is not None and nowhere.link.unlinked == "not_in_gazetteer"
    assert nowhere.uri == "ws:loc:xqzzyville-plateau"
    labrador = linker.link([_e(1, "LOC", "Labrador", 0.1), _e(2, "GPE", "Canada", 0.1)])
    assert next(e for e in labrador if e.name == "Labrador").link.unlinked == "weak_prior"  # type: ignore[union-attr]


def _link_of(entities: list[Entity], name: str) -> EntityLink:
    link = next(e for e in entities if e.name == name or any(m.text == name for m in e.mentions)).link
    assert link is not None
    return link


def test_admin1_regions_without_geonames_id_get_an_iso_uri(linker: Linker) -> None:
    out = linker.link([_e(1, "GPE", "New South Wales", 0.1), _e(2, "GPE", "Queensland", 0.05), _e(3, "GPE", "England", 0.05)])
    nsw = _link_of(out, "New South Wales")
    assert (nsw.uri, nsw.geonames_id, nsw.country_code, nsw.feature_code) == ("iso3166-2:AU-NSW", None, "AU", "ADM1")
    assert nsw.lat is not None and nsw.lon is not None and nsw.population is None
    assert _link_of(out, "England").uri == "iso3166-2:GB-ENG"
    assert next(e for e in out if e.name == "New South Wales").uri == "iso3166-2:AU-NSW"
    short = linker.link([_e(1, "GPE", "NSW", 0.1), _e(2, "GPE", "Australia", 0.05)])
    assert _link_of(short, "NSW").uri == "iso3166-2:AU-NSW"


def test_us_states_keep_their_geonames_id_and_lower_levels_are_left_out(linker: Linker) -> None:
    gaz = linker.gaz
    assert gaz.place_by_uri("iso3166-2:US-OR") is None  # Oregon is geonames:5744337, once
    oregon = [p for p, _ in gaz.candidates("Oregon") if p.feature_code == "ADM1"]
    assert [p.uri for p in oregon] == ["geonames:5744337"]
    assert gaz.place_by_uri("iso3166-2:ES-AN") is not None  # Andalusia (autonomous community)
    assert gaz.place_by_uri("iso3166-2:ES-AB") is None  # Albacete (province, below it)
    assert gaz.place_by_uri("iso3166-2:GB-BNE") is None  # Barnet (London borough)
    assert gaz.place_by_uri("iso3166-2:CA-ON") is not None  # Canada's only level is province


def test_a_city_with_a_small_share_of_its_region_does_not_take_the_region_name(linker: Linker) -> None:
    (quebec,) = linker.link([_e(1, "GPE", "Quebec", 0.1)])  # Quebec City: a fifth of the province's people
    assert quebec.link is not None and quebec.link.uri != "geonames:6325494"


@pytest.mark.parametrize(
    ("names", "name", "uri"),
    [
        (["Ontario", "Canada"], "Ontario", "iso3166-2:CA-ON"),  # the province, not Ontario, California
        (["New York"], "New York", "geonames:5128581"),  # a region named like its dominant city: the city
        (["Paris"], "Paris", "geonames:2988507"),
        (["London", "United States"], "London", "geonames:2643743"),  # not London, Kentucky
        (["Florence", "United States"], "Florence", "geonames:3176959"),  # not Florence, South Carolina
        (["Paris", "Texas"], "Paris", "geonames:4717560"),  # the story supports the small one
        (["London", "Aberdeen", "United States"], "Aberdeen", "geonames:2657832"),  # London links Aberdeen
        (["Victoria", "Canada"], "Victoria", "geonames:6174041"),  # the city of the story's country, not the state
        (["Victoria", "Australia"], "Victoria", "iso3166-2:AU-VIC"),
        (["Perth", "Scotland"], "Perth", "geonames:2640358"),  # Scotland's Perth: its admin-1 region is named
    ],
)
def test_prominent_places_and_what_supports_a_namesake(linker: Linker, names: list[str], name: str, uri: str) -> None:
    out = linker.link([_e(i, "GPE", n, 0.1 - i / 100) for i, n in enumerate(names, start=1)])
    assert _link_of(out, name).uri == uri


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("Cal.", "geonames:5332921"),  # a traditional state abbreviation, as written
        ("these U. S.", "geonames:6252001"),  # spaced initials
        ("These United States", "geonames:6252001"),
        ("the Municipality of Culion", "geonames:1716526"),
        ("the modern Greek State", "geonames:390903"),  # a country's adjective before a word for a polity
    ],
)
def test_abbreviations_and_forms_of_names(linker: Linker, text: str, uri: str) -> None:
    out = linker.link([_e(1, "GPE", text, 0.1), _e(2, "GPE", "Philippines", 0.01)])
    assert _link_of(out, text).uri == uri


def test_a_kind_of_place_after_a_possessive_is_not_a_town(linker: Linker) -> None:
    (republic,) = linker.link([_e(1, "GPE", "our Republic", 0.1)])
    assert republic.link is not None and republic.link.uri is None
    (cal,) = linker.link([_e(1, "GPE", "Cal", 0.1)])  # no dot: not the abbreviation
    assert cal.link is not None and cal.link.uri is None


def test_lower_case_us_is_not_the_united_states(linker: Linker) -> None:
    (e,) = linker.link([_e(1, "GPE", "us", 0.1)])
    assert e.link is not None and e.link.geonames_id is None


def test_surname_takes_the_full_name_id(linker: Linker) -> None:
    out = linker.link([_e(1, "PERSON", "Kamala Harris", 0.1), _e(2, "PERSON", "Harris", 0.05), _e(3, "PERSON", "Biden", 0.01)])
    assert [e.uri for e in out] == ["ws:person:kamala-harris", "ws:person:kamala-harris", "ws:person:biden"]


def test_dateline() -> None:
    assert dateline_places("WASHINGTON (Reuters) - The") == ("WASHINGTON",)
    assert dateline_places("Harris said") == ()


def test_stage_contract_and_ninjs_places() -> None:
    from streams.enrich.config import EnrichConfig
    from streams.enrich.document import Document
    from streams.enrich.stage import StoryState, check_contract

    stage = build(EnrichConfig())
    check_contract(stage)
    state = StoryState(doc=Document(id="s1", headline="", body="x"), entities=[_e(1, "GPE", "Guatemala", 0.5), _e(2, "PERSON", "Ana Ruiz", 0.2)])
    (update,) = stage.run([state])
    entities = update["entities"]
    story = Story(id="s1", body="x", source_format="plaintext", received_at=datetime.now(UTC))
    event = enriched_event(story, Enrichment(entities=entities), SourceRef("wire.raw", 0, 0))
    (place,) = event.places
    assert place.uri == "https://sws.geonames.org/3595528/"
    assert place.geojson is not None and place.geojson.type == "Point" and len(place.geojson.coordinates) == 2
    assert event.people[0].uri == "ws:person:ana-ruiz"


def test_linking_repeated_stories_gives_the_same_answer(linker: Linker) -> None:
    """The linker's caches do not change its answers: the same story linked 50 times comes out identical each time
    (its cost per story is ``speed.stage_s.linking`` of ``wirestream eval --tasks speed``)."""
    ents = [_e(i, t, n, 0.05) for i, (t, n) in enumerate([("GPE", "U.S."), ("GPE", "Guatemala"), ("MISC", "Mexican"), ("GPE", "Paris"), ("PERSON", "Ann Lee")] * 4)]
    first = [e.model_dump() for e in linker.link(ents)]
    assert any(e["uri"] == "geonames:3595528" for e in first)
    for _ in range(49):
        assert [e.model_dump() for e in linker.link(ents)] == first
