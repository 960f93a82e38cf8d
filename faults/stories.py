"""Short, valid, synthetic wire stories with unique ids for the fault cases (seeded, no external data).

Formats rotate between ninjs (explicit ``uri``), plain text (id derived from the content) and NewsML-G2
(explicit ``guid``); each story's id is computed with the worker's own parser, so reconciliation can match
enriched events to inputs by key.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from bench.corpus import ninjs_message
from streams.ingest import parse_message

FIRST = ("Ada", "Kwame", "Ingrid", "Ravi", "Elena", "Tomas", "Mei", "Omar", "Lucia", "Piotr", "Amara", "Jonas")
LAST = ("Lindqvist", "Okafor", "Moreau", "Halvorsen", "Tanaka", "Rossi", "Novak", "Mensah", "Ibarra", "Keller")
PLACES = ("Lakeport", "Valmont", "Dresden", "Saltmarsh", "Northfield", "Porto Alto", "Kingsbridge", "Riverton")
ORGS = ("Meridian Capital", "the city council", "Vantor Semiconductor", "the health ministry", "Coastal Rail", "the port authority")
EVENTS = (
    ("opened a new bridge", "The project ran two months ahead of schedule."),
    ("announced a rise in quarterly profit", "Shares rose four percent in early trading."),
    ("criticised the transport budget", "Commuters have faced months of delays."),
    ("won the regional final", "Fans celebrated in the main square until midnight."),
    ("warned of flooding on the coast", "Emergency teams were moved to the harbour."),
    ("signed a trade agreement", "Exporters welcomed the lower tariffs."),
)
NEWSML_NS = "http://iptc.org/std/nar/2006-10-01/"
CREATED = "2026-11-20T10:00:00Z"


@dataclass(frozen=True, slots=True)
class ValidStory:
    """One valid input message and the story id the worker will give it."""

    story_id: str
    value: bytes
    body: str
    source_format: str


def _text(rng: random.Random, n: int, tag: str) -> tuple[str, str]:
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    place, org = rng.choice(PLACES), rng.choice(ORGS)
    event, follow = rng.choice(EVENTS)
    headline = f"{person} {event} in {place}"
    body = (
        f"{person}, who chairs {org}, {event} in {place} on Monday, officials said (ref {tag}-{n}).\n\n"
        f"{follow} {org[0].upper() + org[1:]} praised {person.split()[1]} for the decision."
    )
    return headline, body


def _plaintext(headline: str, body: str) -> bytes:
    return f"date 2026-11-20 {headline}. {body}".encode()


def _newsml(guid: str, headline: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<newsItem xmlns="{NEWSML_NS}" guid="{escape(guid)}" version="1" '
        'standard="NewsML-G2" standardversion="2.33" xml:lang="en"><itemMeta><itemClass qcode="ninat:text"/>'
        f'<versionCreated>{CREATED}</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>'
        f'<contentMeta><language tag="en"/><headline>{escape(headline)}</headline></contentMeta><contentSet>'
        '<inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        f"{paragraphs}</body></html></inlineXML></contentSet></newsItem>"
    ).encode()


def valid_stories(count: int, *, tag: str, seed: int = 0, markers: Mapping[int, str] | None = None) -> list[ValidStory]:
    """``count`` valid stories with ids unique to ``tag``; the body of story ``i`` carries ``markers[i]`` if given."""
    rng = random.Random(f"{tag}:{seed}")
    out: list[ValidStory] = []
    now = datetime.now(UTC)
    for n in range(count):
        headline, body = _text(rng, n, tag)
        if markers and n in markers:
            body += f" Filed under {markers[n]}."
        kind = n % 3
        if kind == 0:
            value = ninjs_message(f"urn:wirestream:fault:{tag}:{n}", headline, body, first_created=CREATED)
        elif kind == 1:
            value = _plaintext(headline, body)
        else:
            value = _newsml(f"urn:wirestream:fault-g2:{tag}:{n}", headline, body)
        story = parse_message(value, received_at=now)  # the worker's parser decides the id
        out.append(ValidStory(story.id, value, story.body, story.source_format))
    return out
