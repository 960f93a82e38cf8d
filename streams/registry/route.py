"""One ``wire.enriched`` event -> the updates it sends to the entities it names (re-keyed by entity uri).

A story's contribution to an entity is an ``add`` update; an entity a newer version no longer names, or every
entity of a withdrawn story, gets a ``retract``. What each story last contributed is kept in a small per-story
index (:class:`StoryIndex`, a table keyed by story id), so a stale or re-delivered event changes nothing and a
new version retracts exactly what it dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NotRequired, TypedDict

from streams.enrich.linking.ids import name_uri

#: Distinct surface forms kept per entity and story (mentions beyond are counted, not listed).
MAX_ALIASES_PER_STORY = 16
#: GeoNames fields of ``Entity.link`` the registry keeps (the rest is per-story linking detail).
LINK_FIELDS = ("uri", "geonames_id", "name", "country_code", "feature_class", "feature_code", "lat", "lon", "population")


class Update(TypedDict):
    """One message of the re-keying topic (key: ``uri``); ``op == "retract"`` carries only the identity fields."""

    op: Literal["add", "retract"]
    uri: str
    story_id: str
    version: int
    seen_at: str
    type: NotRequired[str]
    name: NotRequired[str]
    aliases: NotRequired[list[str]]
    mentions: NotRequired[int]
    salience: NotRequired[float]
    link: NotRequired[dict[str, Any] | None]
    relations: NotRequired[list[dict[str, str]]]


class StoryIndex(TypedDict):
    """What the registry last counted for one story (value of the story-index table, key: story id)."""

    version: int
    uris: list[str]
    withdrawn: bool


@dataclass
class Routing:
    """What one event does: the updates to send (in order) and the story's new index entry (None: unchanged)."""

    updates: list[Update] = field(default_factory=list)
    index: StoryIndex | None = None
    stale: bool = False  # an older version than the one already counted: ignored


def iso(ts: datetime) -> str:
    """A UTC timestamp in the one fixed form the registry writes (sorts as text): ``2026-11-28T11:09:46.787000Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_time(value: object, default: datetime | None = None) -> str:
    """An event's ISO timestamp (``Z`` or offset, any precision) in :func:`iso` form; ``default`` (now) if absent/bad."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            return iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    return iso(default or datetime.now(UTC))


def _link(entity: Mapping[str, Any]) -> dict[str, Any] | None:
    link = entity.get("link")
    if not isinstance(link, Mapping) or not link.get("uri"):
        return None
    return {k: link[k] for k in LINK_FIELDS if link.get(k) is not None}


def contributions(entities: Sequence[Mapping[str, Any]], story_id: str, version: int, seen_at: str) -> list[Update]:
    """One ``add`` per distinct entity uri of a story, in first-mention order (entities sharing a uri are joined:
    mentions summed, aliases united, name and type of the most salient)."""
    by_uri: dict[str, Update] = {}
    best: dict[str, float] = {}
    for e in entities:
        name, type_ = str(e.get("name") or ""), str(e.get("type") or "MISC")
        uri = str(e.get("uri") or name_uri(type_, name))
        mentions = e.get("mentions") or []
        salience = float(e.get("salience") or 0.0)
        forms = [" ".join(str(m.get("text", "")).split()) for m in mentions if isinstance(m, Mapping)]
        relations = [{"type": str(r["type"]), "uri": str(r["uri"]), "name": str(r.get("name", ""))}
                     for r in e.get("relations") or [] if isinstance(r, Mapping) and r.get("uri")]  # fmt: skip
        upd = by_uri.get(uri)
        if upd is None:
            upd = by_uri[uri] = Update(op="add", uri=uri, story_id=story_id, version=version, seen_at=seen_at, type=type_,
                                       name=name, aliases=[], mentions=0, salience=0.0, link=None, relations=[])  # fmt: skip
            best[uri] = -1.0
        if salience > best[uri]:
            best[uri] = salience
            upd["name"], upd["type"] = name, type_
        upd["mentions"] = upd.get("mentions", 0) + len(mentions)
        upd["salience"] = round(upd.get("salience", 0.0) + salience, 6)
        aliases = upd.setdefault("aliases", [])
        for form in forms:
            if form and form not in aliases and len(aliases) < MAX_ALIASES_PER_STORY:
                aliases.append(form)
        upd["link"] = upd.get("link") or _link(e)
        known = upd.setdefault("relations", [])
        known.extend(r for r in relations if r not in known)
    return list(by_uri.values())


def retraction(uri: str, story_id: str, version: int, seen_at: str) -> Update:
    """The update that takes ``story_id`` out of ``uri``'s counts as of ``version``."""
    return Update(op="retract", uri=uri, story_id=story_id, version=version, seen_at=seen_at)


def route(event: Mapping[str, Any], previous: StoryIndex | None) -> Routing:
    """The updates of one ``wire.enriched`` event given what the story last contributed (``previous``).

    * an older version than ``previous``: nothing (stale re-delivery);
    * an enriched event: one ``add`` per entity, plus a ``retract`` for each entity ``previous`` counted and this
      version no longer names (the same version re-delivered re-sends the same adds: the merge ignores them);
    * a withdrawal: a ``retract`` for every entity ``previous`` counted.
    """
    ext = event.get("wirestream") or {}
    story_id = str(ext.get("story_id") or "")
    version = int(ext.get("story_version") or 1)
    if not story_id:
        return Routing(stale=True)
    if previous is not None and previous["version"] > version:
        return Routing(stale=True)
    seen_at = normalize_time(ext.get("received_at") or ext.get("published_at"))
    withdrawn = ext.get("event") == "withdrawn"
    adds = [] if withdrawn else contributions(ext.get("entities") or [], story_id, version, seen_at)
    uris = [u["uri"] for u in adds]
    dropped = [u for u in (previous["uris"] if previous else []) if u not in set(uris)]
    updates = [*adds, *(retraction(u, story_id, version, seen_at) for u in dropped)]
    return Routing(updates, StoryIndex(version=version, uris=uris, withdrawn=withdrawn))
