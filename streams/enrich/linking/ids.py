"""Stable entity ids: the same real-world name gets the same id on every worker, with no coordination.

* a place linked to GeoNames: ``geonames:<id>`` (``geonames:3595528`` is Guatemala); an admin-1 region
  GeoNames does not give in the packages: ``iso3166-2:<code>`` (``iso3166-2:AU-NSW``);
* any other entity: ``ws:<type>:<slug of its canonical name>`` (``ws:person:kamala-harris``,
  ``ws:org:new-york-post``, ``ws:misc:guatemalan`` -- a demonym's canonical name is its country's demonym);
* a one-word PERSON (a surname) takes the id of the story's person whose name ends with it ("Harris" ->
  ``ws:person:kamala-harris``), when exactly one does.

Limits: the id is a name, not an identity. Two people with one name share an id until a knowledge base says
otherwise; one person written two ways ("Joe Biden", "Biden" alone in another story, "Joseph R. Biden") gets
several; a renamed organisation changes id; an unlinked place keeps a name-based id (``ws:gpe:<slug>``).
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.models import Entity
from streams.enrich.linking.names import norm, slug


def name_uri(type_: str, name: str) -> str:
    """``ws:<type>:<slug>`` for an entity without a knowledge-base id."""
    return f"ws:{type_.lower()}:{slug(name) or 'unnamed'}"


def assign_uris(entities: Sequence[Entity]) -> list[Entity]:
    """Each entity with its stable ``uri`` (see the module docstring)."""
    surnames: dict[str, list[str]] = {}
    for e in entities:
        words = norm(e.name).split()
        if e.type == "PERSON" and len(words) > 1:
            surnames.setdefault(words[-1], []).append(e.name)
    out: list[Entity] = []
    for e in entities:
        if e.link is not None and e.link.uri:
            uri = e.link.uri
        else:
            words = norm(e.name).split()
            full = surnames.get(words[0], []) if e.type == "PERSON" and len(words) == 1 else []
            uri = name_uri(e.type, full[0] if len(set(full)) == 1 else e.name)
        out.append(e.model_copy(update={"uri": uri}))
    return out
