"""Link a story's entities: places to GeoNames, demonyms to their country, everything to a stable id.

Disambiguation scores each candidate of a place from its prior (population, and the rank of its kind: a country
over a state over a city) plus its fit with the story: its country or US state is one the story names elsewhere
(other places, demonyms) or the dateline's. A place stays unlinked, with the reason in ``EntityLink.unlinked``,
when no gazetteer entry has its name (``not_in_gazetteer``), when two candidates score too close
(``ambiguous``), or when the best is a small town the story gives no support to (``weak_prior``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from schemas.models import Entity, EntityLink, EntityRelation, Mention
from streams.enrich.linking.gazetteer import Gazetteer, Place
from streams.enrich.linking.ids import assign_uris

PLACE_TYPES = frozenset({"GPE", "LOC"})
KIND_PRIOR = {"PCLI": 1.2, "ADM1": 0.8, "CONT": 0.8, "RGN": 0.8, "PPL": 0.0}
PRIMARY_BONUS = 0.5
POPULATION_SCALE = 3.0  # a tenfold population is worth 1/3 point
COUNTRY_FIT = 1.0
STATE_FIT = 1.0
DATELINE_FIT = 0.5
MIN_MARGIN = 0.3
SMALL_TOWN = 100_000
_LEADING_LOWER = re.compile(r"^(?:[a-z][\w-]*\s+)+(?=[A-Z])")  # "these United States"
_DATELINE = re.compile(r"^\s*([A-Z][A-Z .'\u2019-]{2,}?)(?:,\s*([A-Z][A-Za-z .]+?))?\s*(?:\([^)]{0,40}\)\s*)?[-\u2013\u2014]")


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one place entity."""

    place: Place | None
    score: float
    candidates: int
    unlinked: str | None


@dataclass(frozen=True, slots=True)
class Context:
    """What the rest of the story says about where it is."""

    countries: frozenset[str]
    states: frozenset[str]
    dateline: frozenset[str]  # country and state codes of the dateline's place


def dateline_places(body: str) -> tuple[str, ...]:
    """The place names of a wire dateline (``"WASHINGTON (Reuters) -"`` -> ``("WASHINGTON",)``)."""
    m = _DATELINE.match(body)
    return tuple(p.strip() for p in m.groups() if p) if m else ()


def _split(name: str) -> tuple[str, str | None]:
    head, sep, qualifier = name.partition(",")
    return (head.strip(), qualifier.strip() or None) if sep else (name, None)


class Linker:
    """Links entities of one story at a time against a loaded :class:`Gazetteer`."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer

    # ------------------------------------------------------------------ candidates and context

    def _candidates(self, entity: Entity) -> list[tuple[Place, bool]]:
        names = [entity.name, *dict.fromkeys(m.text for m in entity.mentions)]
        for raw in names:
            head, qualifier = _split(_LEADING_LOWER.sub("", raw))
            found = [c for c in self.gaz.candidates(head) if self._surface_ok(raw, c)]
            if qualifier and found:
                within = self._codes(qualifier)
                narrowed = [c for c in found if c[0].country in within or c[0].admin1 in within]
                found = narrowed or found
            if found:
                return found
        return []

    @staticmethod
    def _surface_ok(raw: str, candidate: tuple[Place, bool]) -> bool:
        """Short keys (``US``, ``UK``) match only when written in capitals, never a lower-case ``us``."""
        letters = raw.replace(".", "").strip()
        del candidate
        return len(letters) > 3 or letters.isupper()

    def _codes(self, name: str) -> set[str]:
        """Country and US state codes a place name may stand for (``Oregon`` -> ``{"US", "OR"}``)."""
        codes: set[str] = set()
        for place, primary in self.gaz.candidates(name):
            if primary and place.feature_code == "PCLI":
                codes.add(place.country)
            elif primary and place.feature_code == "ADM1":
                codes.update((place.country, place.admin1))
        return codes

    def context(self, entities: Sequence[Entity], body: str, skip: int | None = None) -> Context:
        """Countries and states the story names (demonyms included), leaving out entity ``skip``."""
        countries: set[str] = set()
        states: set[str] = set()
        for i, entity in enumerate(entities):
            if i == skip:
                continue
            if entity.type in PLACE_TYPES:
                for place, primary in self._candidates(entity):
                    if primary and place.feature_code == "PCLI":
                        countries.add(place.country)
                    elif primary and place.feature_code == "ADM1":
                        countries.add(place.country)
                        states.add(place.admin1)
            elif (country := self.gaz.demonym(entity.name)) is not None:
                countries.add(country.country)
        dateline: set[str] = set()
        for name in dateline_places(body):
            dateline |= self._codes(name) | {p.country for p, primary in self.gaz.candidates(name) if primary}
        return Context(frozenset(countries), frozenset(states), frozenset(dateline))

    # ------------------------------------------------------------------ disambiguation

    @staticmethod
    def score(place: Place, primary: bool, ctx: Context) -> tuple[float, bool]:
        """A candidate's score and whether the story supports it (beyond its prior)."""
        s = math.log10(place.population + 10) / POPULATION_SCALE + KIND_PRIOR.get(place.feature_code, 0.0)
        s += PRIMARY_BONUS if primary else 0.0
        fit = 0.0
        if place.feature_code != "PCLI" and place.country and place.country in ctx.countries:
            fit += COUNTRY_FIT
        if place.country == "US" and place.admin1 and place.admin1 in ctx.states:
            fit += STATE_FIT
        if place.country in ctx.dateline or (place.admin1 and place.admin1 in ctx.dateline):
            fit += DATELINE_FIT
        return s + fit, fit > 0

    def decide(self, entity: Entity, ctx: Context) -> Decision:
        """Link one place entity, or say why not."""
        cands = self._candidates(entity)
        if not cands:
            return Decision(None, 0.0, 0, "not_in_gazetteer")
        scored = sorted(((*self.score(p, primary, ctx), p) for p, primary in cands), key=lambda t: -t[0])
        best, supported, place = scored[0]
        margin = best - scored[1][0] if len(scored) > 1 else math.inf
        confidence = 1.0 / (1.0 + math.exp(-4.0 * min(margin, 5.0))) if len(scored) > 1 else 1.0
        if place.feature_code == "PPL" and place.population < SMALL_TOWN and not supported:
            return Decision(None, round(confidence, 3), len(cands), "weak_prior")
        if margin < MIN_MARGIN:
            return Decision(None, round(confidence, 3), len(cands), "ambiguous")
        return Decision(place, round(confidence, 3), len(cands), None)

    # ------------------------------------------------------------------ the story

    def link(self, entities: Sequence[Entity], body: str = "") -> list[Entity]:
        """The story's entities linked, places that share a GeoNames id (and demonyms of one country) merged,
        each with its stable ``uri``; most salient first."""
        out: list[Entity] = []
        for i, entity in enumerate(entities):
            if entity.type in PLACE_TYPES and self.gaz.demonym(entity.name) is None:
                decision = self.decide(entity, self.context(entities, body, skip=i))
                out.append(entity.model_copy(update={"link": _link(decision)}))
            elif (country := self.gaz.demonym(entity.name)) is not None and entity.type in ("MISC", *PLACE_TYPES):
                relation = EntityRelation(type="nationality", uri=country.uri, name=country.name)
                name = self.gaz.demonym_names.get(country.country, entity.name)
                out.append(entity.model_copy(update={"type": "MISC", "relations": [relation], "name": name}))
            else:
                out.append(entity)
        merged = _merge(out)
        by_uri = {e.link.uri: e.id for e in merged if e.link is not None and e.link.uri}
        final = []
        for e in merged:
            if e.relations:
                e = e.model_copy(
                    update={"relations": [r.model_copy(update={"entity_id": by_uri.get(r.uri)}) for r in e.relations]}
                )
            final.append(e)
        return assign_uris(final)


def _link(d: Decision) -> EntityLink:
    p = d.place
    if p is None:
        return EntityLink(score=d.score, candidates=d.candidates, unlinked=d.unlinked)
    return EntityLink(
        uri=p.uri, geonames_id=p.geonames_id, name=p.name, country_code=p.country or None,
        feature_class=p.feature_class, feature_code=p.feature_code, lat=p.lat, lon=p.lon,
        population=p.population or None, score=d.score, candidates=d.candidates,
    )  # fmt: skip


def _key(e: Entity) -> str | None:
    if e.link is not None and e.link.uri:
        return e.link.uri
    if e.relations and e.type == "MISC":
        return "nationality:" + e.relations[0].uri
    return None


def _merge(entities: list[Entity]) -> list[Entity]:
    """One entity per GeoNames id (and per nationality): mentions joined, salience summed, most salient id kept."""
    groups: dict[str, list[Entity]] = {}
    order: list[str | Entity] = []
    for e in entities:
        key = _key(e)
        if key is None:
            order.append(e)
        elif key in groups:
            groups[key].append(e)
        else:
            groups[key] = [e]
            order.append(key)
    out: list[Entity] = []
    for item in order:
        if isinstance(item, Entity):
            out.append(item)
            continue
        members = groups[item]
        head = max(members, key=lambda e: e.salience)
        if len(members) == 1:
            out.append(head)
            continue
        mentions: list[Mention] = sorted(
            (m for e in members for m in e.mentions), key=lambda m: (m.field != "headline", m.start)
        )
        name = head.link.name if head.link is not None and head.link.name else max((e.name for e in members), key=len)
        out.append(
            head.model_copy(
                update={"name": name, "mentions": mentions, "salience": round(min(1.0, sum(e.salience for e in members)), 6)}
            )
        )
    return sorted(out, key=lambda e: -e.salience)
