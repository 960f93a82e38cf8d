"""Enriched events (the JSON of ``wire.enriched``) for the registry tests."""

from __future__ import annotations

from typing import Any

GUATEMALA_LINK = {"uri": "geonames:3595528", "geonames_id": 3595528, "name": "Guatemala", "country_code": "GT",
                  "feature_class": "A", "feature_code": "PCLI", "lat": 15.5, "lon": -90.25, "population": 14000000,
                  "score": 0.9, "candidates": 3}  # fmt: skip


def entity(name: str, type_: str = "PERSON", *, uri: str | None = None, mentions: int = 1, salience: float = 0.1,
           link: dict[str, Any] | None = None, relations: list[dict[str, str]] | None = None, eid: str = "e1") -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {
        "id": eid, "name": name, "type": type_, "salience": salience,
        "mentions": [{"text": name.split()[-1] if i else name, "field": "body", "start": 0, "end": 1, "sentence": i} for i in range(mentions)],
        "relations": relations or [],
    }  # fmt: skip
    if uri:
        out["uri"] = uri
    if link:
        out["link"] = link
    return out


def event(story_id: str, version: int = 1, entities: list[dict[str, Any]] | None = None, *, withdrawn: bool = False,
          received_at: str = "2026-12-01T10:00:00Z") -> dict[str, Any]:  # fmt: skip
    return {
        "uri": story_id, "version": str(version),
        "wirestream": {
            "event": "withdrawn" if withdrawn else "enriched", "story_id": story_id, "story_version": version,
            "received_at": received_at, "published_at": received_at, "entities": [] if withdrawn else (entities or []),
        },
    }  # fmt: skip


def seed_like_event(story_id: str = "urn:test:seed", version: int = 1, n_people: int = 12) -> dict[str, Any]:
    """A story of realistic size: a linked country, a demonym related to it, organisations and people."""
    ents = [
        entity("Guatemala", "GPE", uri="geonames:3595528", mentions=4, salience=0.3, link=GUATEMALA_LINK),
        entity("Guatemalan", "MISC", uri="ws:misc:guatemalan", mentions=2,
               relations=[{"type": "nationality", "uri": "geonames:3595528", "name": "Guatemala"}]),
        entity("United States", "GPE", uri="geonames:6252001", mentions=3,
               link={"uri": "geonames:6252001", "geonames_id": 6252001, "name": "United States", "country_code": "US"}),
        entity("World Food Programme", "ORG", uri="ws:org:world-food-programme", mentions=2),
    ]  # fmt: skip
    ents += [entity(f"Person{i} Surname{i}", uri=f"ws:person:person{i}-surname{i}", mentions=1 + i % 3, eid=f"e{i + 5}") for i in range(n_people)]
    return event(story_id, version, ents)
