"""Link a story's entities: places to GeoNames, demonyms to their country, everything to a stable id.

Disambiguation scores each candidate of a place from its prior (population, and the rank of its kind: a country
over a state over a city) plus its fit with the story: its country or US state is one the story names elsewhere
(other places, demonyms) or the dateline's. Two rules keep a small namesake from winning on thin evidence: a
town with a capital or a far more populous namesake gets nothing from the story naming its country (London,
Ontario or London, Kentucky beside London), only from its state or the dateline; a region named like a city of
its own that holds a good share of its people stands for the city (New York, Paris, Tokyo). Context is taken
twice: the second time with the countries of the towns linked the first time (London links Aberdeen).
A place stays unlinked, with the reason in ``EntityLink.unlinked``,
when no gazetteer entry has its name (``not_in_gazetteer``), when two candidates score too close
(``ambiguous``), or when the best is a small town the story gives no support to (``weak_prior``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from schemas.models import Entity, EntityLink, EntityRelation, Mention
from streams.enrich import resources
from streams.enrich.linking.gazetteer import Gazetteer, Place
from streams.enrich.linking.ids import assign_uris
from streams.enrich.linking.names import join_initials, norm

PLACE_TYPES = frozenset({"GPE", "LOC"})
KIND_PRIOR = {"PCLI": 1.2, "ADM1": 0.8, "CONT": 0.8, "RGN": 0.8, "PPL": 0.0}
PRIMARY_BONUS = 0.5
POPULATION_SCALE = 3.0  # a tenfold population is worth 1/3 point
COUNTRY_FIT = 1.0
STATE_FIT = 1.0
DATELINE_FIT = 0.5
MIN_MARGIN = 0.3
SMALL_TOWN = 100_000
CITY_SHARE = 0.25
PROMINENCE_RATIO = 5.0
# "these United States", "These United States", "our Republic"
_LEADING_LOWER = re.compile(r"^(?:(?:[a-z][\w-]*|[Tt]hese|[Tt]hose|[Oo]ur|[Tt]heir|[Yy]our|[Mm]y)\s+)+(?=[A-Z])")
_POLITY_NOUNS = frozenset({"state", "republic", "kingdom", "federation", "commonwealth"})
_KIND_OF = re.compile(r"^(?:[Tt]he\s+)?(\w+)\s+of\s+(?:the\s+)?([A-Z].*)$")
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


@cache
def _place_nouns() -> frozenset[str]:
    """Nouns naming a kind of place (``data/place_heads.txt``: republic, state, kingdom...)."""
    return frozenset(norm(w) for w in resources.word_list("place_heads.txt"))


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
        names = list(dict.fromkeys([entity.name, *(m.text for m in entity.mentions)]))
        # "the Municipality of Culion", "the State of Israel": the name after a kind of place, when the whole is
        # no gazetteer name
        names += [m.group(2) for n in names if (m := _KIND_OF.match(n)) and norm(m.group(1)) in _place_nouns()]
        for raw in names:
            bare = _LEADING_LOWER.sub("", raw)
            head, qualifier = _split(bare)
            if bare != raw and norm(head) in _place_nouns():  # "our Republic", "the State": a noun, not a name
                continue
            found = [c for c in self._lookup(head) if self._surface_ok(head, c)]
            if qualifier and found:
                within = self._codes(qualifier)
                narrowed = [c for c in found if c[0].country in within or c[0].admin1 in within]
                found = narrowed or found
            if found:
                return found
        return []

    def _lookup(self, name: str) -> list[tuple[Place, bool]]:
        """Gazetteer entries a name may stand for: a state abbreviation as written (``Calif.``), a country's
        adjective before a word for a polity (``Greek State``, ``French Republic``), else any spelling, initials
        written with spaces joined (``U. S.``)."""
        state = self.gaz.abbreviation(name)
        if state is not None:
            return [(state, True)]
        words = name.split()
        if len(words) == 2 and words[1][:1].isupper() and norm(words[1]) in _POLITY_NOUNS:
            country = self.gaz.demonym(words[0])
            if country is not None and not self.gaz.candidates(name):
                return [(country, True)]
        return self.gaz.candidates(join_initials(name))

    def _surface_ok(self, name: str, candidate: tuple[Place, bool]) -> bool:
        """Short keys (``US``, ``UK``) match only when written in capitals, never a lower-case ``us``; a state
        abbreviation matches as written (``Cal.``)."""
        letters = name.replace(".", "").strip()
        del candidate
        return len(letters) > 3 or letters.isupper() or self.gaz.abbreviation(name) is not None

    def _codes(self, name: str) -> set[str]:
        """Country and US state codes a place name may stand for (``Oregon`` -> ``{"US", "OR"}``)."""
        codes: set[str] = set()
        for place, primary in self._lookup(name):
            if primary and place.feature_code == "PCLI":
                codes.add(place.country)
            elif primary and place.feature_code == "ADM1":
                codes.update((place.country, place.admin1))
        return codes

    def _named(self, entity: Entity, cands: Sequence[tuple[Place, bool]] | None) -> tuple[set[str], set[str]]:
        """Countries and admin-1 regions (see :func:`_state_key`) an entity names: a country or region candidate
        of a place, a demonym's country."""
        countries: set[str] = set()
        states: set[str] = set()
        for place, primary in cands or ():
            if primary and place.feature_code == "PCLI":
                countries.add(place.country)
            elif primary and place.feature_code == "ADM1":
                countries.add(place.country)
                states.add(_state_key(place))
        states.discard("")
        if cands is None and (country := self.gaz.demonym(entity.name)) is not None:
            countries.add(country.country)
        return countries, states

    def _dateline(self, body: str) -> frozenset[str]:
        dateline: set[str] = set()
        for name in dateline_places(body):
            dateline |= self._codes(name) | {p.country for p, primary in self.gaz.candidates(name) if primary}
        return frozenset(dateline)

    def context(self, entities: Sequence[Entity], body: str, skip: int | None = None) -> Context:
        """Countries and states the story names (demonyms included), leaving out entity ``skip``."""
        named = [self._named(e, self._candidates(e) if e.type in PLACE_TYPES else None) for e in entities]
        return _context(named, -1 if skip is None else skip, self._dateline(body))

    # ------------------------------------------------------------------ disambiguation

    def score(self, place: Place, primary: bool, ctx: Context, dwarfed: bool = False) -> tuple[float, bool]:
        """A candidate's score and whether the story supports it (beyond its prior). A ``dwarfed`` candidate
        (see :meth:`dwarf_bar`) gets nothing from the countries the story names, only from its state or dateline."""
        s = math.log10(place.prior_population + 10) / POPULATION_SCALE
        # an estimated population (a region without one, see Place) is the whole prior: not also its kind's rank
        s += KIND_PRIOR.get(place.feature_code, 0.0) if place.population or not place.estimated_population else 0.0
        s += PRIMARY_BONUS if primary else 0.0
        fit = 0.0
        if not dwarfed and place.feature_code != "PCLI" and place.country and place.country in ctx.countries:
            fit += COUNTRY_FIT
        if (key := _state_key(place)) and key in ctx.states:
            fit += STATE_FIT
        if place.country in ctx.dateline or (place.admin1 and place.admin1 in ctx.dateline):
            fit += DATELINE_FIT
        return s + fit, fit > 0

    def dwarf_bar(self, cands: Sequence[tuple[Place, bool]]) -> float:
        """The population below which a town among ``cands`` is dwarfed by a far more prominent namesake: a
        capital, or a city of at least ``SMALL_TOWN`` people and :data:`PROMINENCE_RATIO` times as populous
        (London, Ontario beside London; Paris, Texas beside Paris). The story naming the small one's country is
        then no evidence for it, since stories about that country name the big one so too. Only towns of that
        very name count (not Hong Kong, once called Victoria)."""
        bar = 0.0
        for p, primary in cands:
            if p.feature_code != "PPL" or not primary:
                continue
            if p.geonames_id in self.gaz.capitals:
                bar = max(bar, float(p.population))
            elif p.population >= SMALL_TOWN:
                bar = max(bar, p.population / PROMINENCE_RATIO)
        return bar

    def decide(self, entity: Entity, ctx: Context, cands: Sequence[tuple[Place, bool]] | None = None) -> Decision:
        """Link one place entity, or say why not (``cands``: its candidates, when already looked up)."""
        cands = _city_over_region(self._candidates(entity) if cands is None else cands)
        if not cands:
            return Decision(None, 0.0, 0, "not_in_gazetteer")
        bar = self.dwarf_bar(cands)
        scored = sorted(
            ((*self.score(p, primary, ctx, p.feature_code == "PPL" and p.population < bar), p) for p, primary in cands),
            key=lambda t: -t[0],
        )
        best, supported, place = scored[0]
        margin = best - scored[1][0] if len(scored) > 1 else math.inf
        confidence = 1.0 / (1.0 + math.exp(-4.0 * min(margin, 5.0))) if len(scored) > 1 else 1.0
        if place.feature_code == "PPL" and place.population < SMALL_TOWN and not supported:
            return Decision(None, round(confidence, 3), len(cands), "weak_prior")
        if margin < MIN_MARGIN:
            return Decision(None, round(confidence, 3), len(cands), "ambiguous")
        return Decision(place, round(confidence, 3), len(cands), None)

    # ------------------------------------------------------------------ the story

    def _decide_all(self, entities: Sequence[Entity], body: str) -> dict[int, Decision]:
        """Decisions for the story's place entities, in two rounds: the second also counts the countries (and
        admin-1 regions) of the towns the first linked, so one linked place supports its neighbours."""
        cands = {
            i: self._candidates(e)
            for i, e in enumerate(entities)
            if e.type in PLACE_TYPES and self.gaz.demonym(e.name) is None
        }
        named = [self._named(e, cands.get(i)) for i, e in enumerate(entities)]
        dateline = self._dateline(body)
        contexts = {i: _context(named, i, dateline) for i in cands}
        decisions = {i: self.decide(entities[i], contexts[i], c) for i, c in cands.items()}
        towns = {i: d.place for i, d in decisions.items() if d.place is not None and d.place.feature_code == "PPL"}
        if not towns:
            return decisions
        for i, town in towns.items():
            named[i] = (named[i][0] | {town.country}, named[i][1] | ({_state_key(town)} - {""}))
        for i, c in cands.items():
            ctx = _context(named, i, dateline)
            if ctx != contexts[i]:
                decisions[i] = self.decide(entities[i], ctx, c)
        return decisions

    def link(self, entities: Sequence[Entity], body: str = "") -> list[Entity]:
        """The story's entities linked, places that share a GeoNames id (and demonyms of one country) merged,
        each with its stable ``uri``; most salient first."""
        decisions = self._decide_all(entities, body)
        out: list[Entity] = []
        for i, entity in enumerate(entities):
            if i in decisions:
                out.append(entity.model_copy(update={"link": _link(decisions[i])}))
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


def _context(named: Sequence[tuple[set[str], set[str]]], skip: int, dateline: frozenset[str]) -> Context:
    """The countries and states all entities but ``skip`` name."""
    countries: set[str] = set()
    states: set[str] = set()
    for i, (c, st) in enumerate(named):
        if i != skip:
            countries |= c
            states |= st
    return Context(frozenset(countries), frozenset(states), dateline)


def _state_key(place: Place) -> str:
    """``<country>-<admin-1 code>`` when the code is letters, which GeoNames and ISO 3166-2 share for the US
    (postal codes), the UK (ENG, SCT) and a few more; numeric codes differ between the two, so they never match."""
    return f"{place.country}-{place.admin1}" if place.admin1.isalpha() else ""


def _city_over_region(cands: Sequence[tuple[Place, bool]]) -> list[tuple[Place, bool]]:
    """The candidates without a region named like a city of its country that holds at least :data:`CITY_SHARE`
    of the region's people: such a name stands for the city (New York, Tokyo, Paris, Dhaka)."""
    cities = [p for p, _ in cands if p.feature_code == "PPL"]
    if not cities:
        return list(cands)
    return [
        (p, primary)
        for p, primary in cands
        if p.feature_code != "ADM1"
        or not any(c.country == p.country and c.population >= CITY_SHARE * p.prior_population for c in cities)
    ]


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
