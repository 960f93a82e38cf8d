"""Export the JSON Schema of every message model to ``schemas/json/`` (``make schemas``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.models import (
    DeadLetter,
    EnrichedStory,
    Enrichment,
    EntityRecord,
    EntityUpdate,
    EventCluster,
    Story,
    StoryCluster,
)

JSON_DIR = Path(__file__).resolve().parent / "json"
MODELS: dict[str, type[BaseModel]] = {
    "story": Story,
    "enrichment": Enrichment,
    "enriched-story": EnrichedStory,
    "dead-letter": DeadLetter,
    "entity-record": EntityRecord,
    "entity-update": EntityUpdate,
    "event-cluster": EventCluster,
    "story-cluster": StoryCluster,
}


def render(model: type[BaseModel]) -> str:
    """The model's JSON Schema (serialization mode, by alias) as stable, pretty JSON."""
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: Path = JSON_DIR) -> list[Path]:
    """Write one ``<name>.schema.json`` per message model; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in MODELS.items():
        path = directory / f"{name}.schema.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export():
        print(path)
