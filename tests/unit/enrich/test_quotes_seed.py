"""The seed story (``../shared/seeds``): four quotations, three by Giammattei and one by Harris.

Its text is never copied into the repository: the test reads it from ``../shared/seeds`` and skips where that
folder is absent. Entities come from the shipped entities stage (spaCy, ~2 s to load).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.models import Quote
from streams.enrich.config import EnrichConfig
from streams.enrich.document import Document
from streams.enrich.stage import StoryState
from streams.enrich.stages import build_stages
from streams.enrich.stages.quotes import build
from streams.ingest import parse_message

SHARED_SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seeds" / "000_d6655a67d885e624.txt"

pytestmark = pytest.mark.skipif(not SHARED_SEED.is_file(), reason=f"{SHARED_SEED} not present")


@pytest.fixture(scope="module")
def quotes() -> list[Quote]:
    story = parse_message(SHARED_SEED.read_bytes(), received_at=datetime.now(UTC))
    state = StoryState(doc=Document.of_story(story))
    (entities,) = build_stages(EnrichConfig(), ["entities"])
    update = entities.run([state])[0]
    state.analysis, state.entities = update["analysis"], update["entities"]
    stage = build(EnrichConfig())
    return stage.run([state])[0]["quotes"]


def test_the_four_quotations_and_their_speakers(quotes: list[Quote]) -> None:
    quoted = [q for q in quotes if q.kind in ("direct", "mixed") and len(q.text) > 40]
    direct = [q for q in quoted if q.kind == "direct"]
    assert [q.speaker_name for q in direct] == ["Kamala Harris", "Alejandro Giammattei", "Alejandro Giammattei"]
    assert all(q.cue == "said" for q in direct)
    # "He added that ... to “ensure peace, progress, and development.”": the fourth, by pronoun
    added = [q for q in quoted if q.cue == "added"]
    assert len(added) == 1 and added[0].speaker == "He" and added[0].speaker_name == "Alejandro Giammattei"
    by = [q.speaker_name for q in [*direct, *added]]
    assert by.count("Alejandro Giammattei") == 3 and by.count("Kamala Harris") == 1


def test_scare_quotes_are_not_quotations(quotes: list[Quote]) -> None:
    assert not any(q.text.strip("\u201c\u201d") in ("root causes", "acute causes") for q in quotes)
