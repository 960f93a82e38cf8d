"""The entity registry's pure logic (no Faust or Kafka): what a story contributes to each entity, and how an
entity's record absorbs contributions and retractions idempotently by (story id, version).

:mod:`streams.registry.route` turns one ``wire.enriched`` event into per-entity updates; :mod:`streams.registry.merge`
applies an update to an entity's record. ``streams.registry_agent`` runs both on the stream.
"""

from streams.registry.merge import WINDOW, Outcome, apply_update, decode_record, encode_record, story_count
from streams.registry.route import Routing, StoryIndex, route

__all__ = ["WINDOW", "Outcome", "Routing", "StoryIndex", "apply_update", "decode_record", "encode_record", "route", "story_count"]
