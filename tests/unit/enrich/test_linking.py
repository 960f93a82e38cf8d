"""Linking: GeoNames places from the packaged gazetteers, demonyms, alias merging, stable ids, ninjs output."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.models import Enrichment, Entity, Mention, Story
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


def test_linking_is_fast(linker: Linker) -> None:
    import time

    ents = [_e(i, t, n, 0.05) for i, (t, n) in enumerate([("GPE", "U.S."), ("GPE", "Guatemala"), ("MISC", "Mexican"), ("GPE", "Paris"), ("PERSON", "Ann Lee")] * 4)]
    t0 = time.perf_counter()
    for _ in range(50):
        linker.link(ents)
    assert (time.perf_counter() - t0) / 50 < 0.005
