"""An entity's registry record, and how it absorbs one update exactly once.

**Why the counts are exact.** Delivery is at-least-once: after a crash a story's updates can arrive again, and a
story can come back as a newer version or be withdrawn. A record therefore never adds blindly: it keeps the list
of stories it has counted (:class:`StoryRef`: story id, version, counted or retracted), and an update is applied
by *(story id, version)*:

* ``add`` of a story not in the list: counted once (``added``);
* ``add`` of the same story and version again: nothing (``duplicate``), of an older version: nothing (``stale``);
  of a newer version: the story's entry is replaced, so it still counts once (``replaced``);
* ``retract`` (a newer version dropped the entity, or the story was withdrawn): the entry stays as a tombstone
  that no longer counts, so a late re-delivery of the older version cannot count it again.

Between versions the newer wins; within one version the later update wins (the re-keying topic keeps each entity's
updates in order, and a re-delivery replays a suffix of them in the same order).

``story_count`` is thus the number of distinct live stories naming the entity whatever the number of
re-deliveries; ``mention_count`` sums each counted story's mentions of its latest version. Applying any prefix
of the updates again leaves the record as it is (property-tested in ``tests/unit/registry``).

**Limit.** The list is a window of the :data:`WINDOW` most recently seen stories per entity; older entries are
folded into ``folded_stories``/``folded_mentions``. A re-delivery, new version or withdrawal of a story that has
been folded out (the entity was named by more than :data:`WINDOW` newer stories since) counts again or is not
taken out. Re-deliveries after a crash are of the last uncommitted batch, far inside the window.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypedDict

import orjson

from streams.registry.route import Update, iso

#: Stories (counted or retracted) remembered per entity for idempotence and ``--since`` (older ones are folded).
WINDOW = 200
MAX_NAMES = 32
MAX_ALIASES = 64
MAX_RELATIONS = 16
RECORD_SCHEMA_VERSION = "1.0"


class StoryRef(TypedDict):
    """One story an entity record has seen: its latest version and whether it counts."""

    story_id: str
    version: int
    seen_at: str
    mentions: int
    counted: bool


class Record(TypedDict):
    """An entity's registry record: the table value and the ``wire.entities`` message (``schemas.models.EntityRecord``)."""

    schema_version: str
    uri: str
    type: str
    name: str
    names: list[str]
    aliases: list[str]
    types: list[str]
    link: dict[str, Any] | None
    relations: list[dict[str, str]]
    first_seen: str
    last_seen: str
    story_count: int
    mention_count: int
    folded_stories: int
    folded_mentions: int
    stories: list[StoryRef]
    updated_at: str


class Outcome(StrEnum):
    """What an update did to a record; the first three change it."""

    ADDED = "added"
    REPLACED = "replaced"
    RETRACTED = "retracted"
    DUPLICATE = "duplicate"
    STALE = "stale"
    IGNORED = "ignored"  # a retraction for an entity the registry has no record of

    @property
    def changed(self) -> bool:
        return self in (Outcome.ADDED, Outcome.REPLACED, Outcome.RETRACTED)


def new_record(update: Update) -> Record:
    """An empty record for the entity of ``update`` (nothing counted yet)."""
    return Record(
        schema_version=RECORD_SCHEMA_VERSION, uri=update["uri"], type=update.get("type", "MISC"), name=update.get("name", ""),
        names=[], aliases=[], types=[], link=None, relations=[], first_seen=update["seen_at"], last_seen=update["seen_at"],
        story_count=0, mention_count=0, folded_stories=0, folded_mentions=0, stories=[], updated_at=update["seen_at"],
    )  # fmt: skip


def _add_unique(items: list[Any], new: list[Any] | tuple[Any, ...], cap: int) -> None:
    for item in new:
        if len(items) >= cap:
            return
        if item and item not in items:
            items.append(item)


def _describe(record: Record, update: Update) -> None:
    """Merge what ``update`` says about the entity (names, aliases, types, link, relations, first/last seen)."""
    seen = update["seen_at"]
    latest = seen >= record["last_seen"] or not record["names"]
    name, type_ = update.get("name", ""), update.get("type", "MISC")
    if latest:
        record["name"], record["type"] = name or record["name"], type_
    _add_unique(record["names"], [name], MAX_NAMES)
    _add_unique(record["types"], [type_], 8)
    _add_unique(record["aliases"], update.get("aliases", []), MAX_ALIASES)
    _add_unique(record["relations"], update.get("relations", []), MAX_RELATIONS)
    link = update.get("link")
    if link and (latest or record["link"] is None):
        record["link"] = link
    record["first_seen"] = min(record["first_seen"], seen)
    record["last_seen"] = max(record["last_seen"], seen)


def _totals(record: Record) -> None:
    counted = [s for s in record["stories"] if s["counted"]]
    record["story_count"] = record["folded_stories"] + len(counted)
    record["mention_count"] = record["folded_mentions"] + sum(s["mentions"] for s in counted)


def _order(ref: StoryRef) -> tuple[str, str]:
    return ref["seen_at"], ref["story_id"]


def _insert(stories: list[StoryRef], ref: StoryRef) -> None:
    """Insert keeping ``stories`` oldest first (appending is the common case)."""
    if not stories or _order(stories[-1]) <= _order(ref):
        stories.append(ref)
    else:
        bisect.insort(stories, ref, key=_order)


def _trim(record: Record, window: int) -> None:
    stories = record["stories"]
    excess = len(stories) - window
    if excess > 0:
        for old in stories[:excess]:
            if old["counted"]:
                record["folded_stories"] += 1
                record["folded_mentions"] += old["mentions"]
        del stories[:excess]


def apply_update(record: Record | None, update: Update, *, now: datetime | None = None, window: int = WINDOW) -> tuple[Record | None, Outcome]:
    """``record`` (None: the entity is new) after ``update``, and what happened (see the module docstring).

    The record is changed in place when the outcome is a change, and returned unchanged otherwise; ``updated_at``
    is ``now`` (default: the current time) on a change.
    """
    story_id, version = update["story_id"], update["version"]
    if record is None:
        if update["op"] == "retract":
            return None, Outcome.IGNORED
        record = new_record(update)
    ref = next((s for s in record["stories"] if s["story_id"] == story_id), None)
    if update["op"] == "retract":
        if ref is None:
            _insert(record["stories"], StoryRef(story_id=story_id, version=version, seen_at=update["seen_at"], mentions=0, counted=False))
            outcome = Outcome.RETRACTED
        elif ref["version"] > version or (ref["version"] == version and not ref["counted"]):
            return record, Outcome.DUPLICATE if ref["version"] == version else Outcome.STALE
        else:
            ref["version"], ref["counted"] = version, False
            outcome = Outcome.RETRACTED
    else:
        if ref is not None and ref["version"] > version:
            return record, Outcome.STALE
        if ref is not None and ref["version"] == version and ref["counted"]:
            return record, Outcome.DUPLICATE
        mentions = int(update.get("mentions", 0))
        if ref is None:
            outcome = Outcome.ADDED
        else:
            record["stories"].remove(ref)  # re-inserted at its new version's time
            outcome = Outcome.REPLACED
        _insert(record["stories"], StoryRef(story_id=story_id, version=version, seen_at=update["seen_at"], mentions=mentions, counted=True))
        _describe(record, update)
    _trim(record, window)
    _totals(record)
    record["updated_at"] = iso(now or datetime.now(UTC))
    return record, outcome


def story_count(record: Record, since: str | None = None) -> tuple[int, int]:
    """(stories, mentions) of ``record`` counted, or only those seen at or after ``since`` (:func:`iso` form; exact
    while the window holds every such story, i.e. ``folded`` entries are all older)."""
    if since is None:
        return record["story_count"], record["mention_count"]
    recent = [s for s in record["stories"] if s["counted"] and s["seen_at"] >= since]
    return len(recent), sum(s["mentions"] for s in recent)


def encode_record(record: Record) -> bytes:
    """The record as compact JSON (the table value and the ``wire.entities`` message)."""
    return orjson.dumps(record)


def decode_record(data: bytes | None) -> Record | None:
    """A record from :func:`encode_record` bytes (None for None or empty: no record)."""
    if not data:
        return None
    value: Record = orjson.loads(data)
    return value
