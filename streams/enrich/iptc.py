"""The IPTC Media Topics wirestream uses: 17 top-level topics and a chosen set of second-level ones.

Loaded from ``data/iptc_mediatopics.tsv`` (columns: code, level, parent, slug, name, description; codes are the
real IPTC qcodes, descriptions are wirestream's own). Second-level rows leave ``slug`` empty: a topic's slug is always
its top-level ancestor's (used for ``wire.topic.<slug>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from streams.enrich.resources import table

DATA_FILE = "iptc_mediatopics.tsv"


@dataclass(frozen=True, slots=True)
class IptcTopic:
    """One Media Topic: qcode (``medtop:NNNNNNNN``), English name, level (1 or 2), parent qcode, slug."""

    code: str
    name: str
    level: int
    parent: str | None
    slug: str
    description: str


def load_topics(name: str = DATA_FILE) -> tuple[IptcTopic, ...]:
    """Read the topic table; second-level rows inherit their parent's slug."""
    rows = table(name, 6)
    slugs = {code: slug for code, level, _, slug, _, _ in rows if level == "1"}
    return tuple(
        IptcTopic(
            code=code,
            name=topic_name,
            level=int(level),
            parent=parent or None,
            slug=slug or slugs[parent],
            description=description,
        )
        for code, level, parent, slug, topic_name, description in rows
    )


ALL_TOPICS: tuple[IptcTopic, ...] = load_topics()
TOP_LEVEL: tuple[IptcTopic, ...] = tuple(t for t in ALL_TOPICS if t.level == 1)
TOP_LEVEL_SLUGS: tuple[str, ...] = tuple(t.slug for t in TOP_LEVEL)
SECOND_LEVEL: tuple[IptcTopic, ...] = tuple(t for t in ALL_TOPICS if t.level == 2)
by_code: MappingProxyType[str, IptcTopic] = MappingProxyType({t.code: t for t in ALL_TOPICS})


def slug_for(code: str) -> str:
    """Slug of ``code``'s top-level ancestor, e.g. ``slug_for("medtop:20000574") == "politics"``.

    Raises KeyError for a code that is not in the table.
    """
    return by_code[code].slug
