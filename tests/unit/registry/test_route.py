"""One enriched event -> per-entity updates (streams.registry.route)."""

from __future__ import annotations

from schemas.models import EntityUpdate
from streams.registry import StoryIndex, route
from streams.registry.route import normalize_time
from tests.unit.registry.events import entity, event, seed_like_event


def test_each_entity_uri_gets_one_add_in_first_mention_order() -> None:
    routing = route(seed_like_event(n_people=2), None)
    assert [u["uri"] for u in routing.updates] == [
        "geonames:3595528", "ws:misc:guatemalan", "geonames:6252001", "ws:org:world-food-programme",
        "ws:person:person0-surname0", "ws:person:person1-surname1",
    ]  # fmt: skip
    assert {u["op"] for u in routing.updates} == {"add"}
    assert routing.index == StoryIndex(version=1, uris=[u["uri"] for u in routing.updates], withdrawn=False)
    guatemala, demonym = routing.updates[:2]
    assert guatemala["mentions"] == 4 and guatemala["link"] is not None and guatemala["link"]["lat"] == 15.5
    assert "score" not in guatemala["link"]  # per-story linking detail stays in the event
    assert demonym["relations"] == [{"type": "nationality", "uri": "geonames:3595528", "name": "Guatemala"}]
    for update in routing.updates:
        EntityUpdate.model_validate(update)


def test_entities_sharing_a_uri_are_joined() -> None:
    ents = [entity("Kamala Harris", uri="ws:person:kamala-harris", mentions=2, salience=0.3),
            entity("Harris", uri="ws:person:kamala-harris", mentions=1, salience=0.05, eid="e2")]  # fmt: skip
    (update,) = route(event("s1", 1, ents), None).updates
    assert update["mentions"] == 3 and update["name"] == "Kamala Harris"
    assert update["aliases"] == ["Kamala Harris", "Harris"]


def test_an_entity_without_uri_gets_the_name_based_id() -> None:
    (update,) = route(event("s1", 1, [entity("Ottoline Quarrington")]), None).updates
    assert update["uri"] == "ws:person:ottoline-quarrington"


def test_an_older_version_is_stale_and_the_same_version_resends_the_same_adds() -> None:
    first = route(event("s1", 2, [entity("A B", uri="ws:person:a-b")]), None)
    assert route(event("s1", 1, [entity("A B", uri="ws:person:a-b")]), first.index).stale
    again = route(event("s1", 2, [entity("A B", uri="ws:person:a-b")]), first.index)
    assert again.updates == first.updates and again.index == first.index


def test_a_new_version_retracts_what_it_dropped() -> None:
    v1 = route(event("s1", 1, [entity("A B", uri="ws:person:a-b"), entity("C D", uri="ws:person:c-d")]), None)
    v2 = route(event("s1", 2, [entity("A B", uri="ws:person:a-b")]), v1.index)
    assert [(u["op"], u["uri"], u["version"]) for u in v2.updates] == [("add", "ws:person:a-b", 2), ("retract", "ws:person:c-d", 2)]
    assert v2.index is not None and v2.index["uris"] == ["ws:person:a-b"]


def test_a_withdrawal_retracts_every_entity() -> None:
    v1 = route(event("s1", 1, [entity("A B", uri="ws:person:a-b"), entity("C D", uri="ws:person:c-d")]), None)
    gone = route(event("s1", 2, withdrawn=True), v1.index)
    assert [(u["op"], u["uri"]) for u in gone.updates] == [("retract", "ws:person:a-b"), ("retract", "ws:person:c-d")]
    assert gone.index == StoryIndex(version=2, uris=[], withdrawn=True)


def test_times_are_normalized_to_one_sortable_form() -> None:
    assert normalize_time("2026-12-01T10:00:00Z") == "2026-12-01T10:00:00.000000Z"
    assert normalize_time("2026-12-01T11:00:00.5+01:00") == "2026-12-01T10:00:00.500000Z"
    assert normalize_time("2026-12-01T10:00:00.5Z") > normalize_time("2026-12-01T10:00:00Z")
