"""The committed JSON Schema files match the pydantic models."""

from __future__ import annotations

import pytest

from schemas.export import JSON_DIR, MODELS, render


@pytest.mark.parametrize("name", sorted(MODELS))
def test_committed_schema_is_current(name: str) -> None:
    path = JSON_DIR / f"{name}.schema.json"
    assert path.exists(), f"missing {path}; run `make schemas`"
    assert path.read_text(encoding="utf-8") == render(MODELS[name]), f"{path} is stale; run `make schemas`"


def test_enriched_story_schema_names_ninjs_fields() -> None:
    props = MODELS["enriched-story"].model_json_schema(by_alias=True)["properties"]
    for field in ("uri", "version", "pubStatus", "headlines", "bodies", "subjects", "people", "organisations", "places", "wirestream"):
        assert field in props
