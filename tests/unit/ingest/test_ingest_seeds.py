"""Every file under seeds/ parses, or fails with the reason seeds/README.md documents."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from schemas.models import ReasonCode
from streams.enrich.language import is_supported

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
README = (SEEDS / "README.md").read_text(encoding="utf-8")
STORY_ROWS = dict(re.findall(r"^\| `([^/`]+)` \| (plaintext|ninjs [23]\.\w|NewsML-G2) \|", README, re.MULTILINE))
MALFORMED_ROWS = dict(re.findall(r"^\| `(malformed/[^`]+)` \|.*\| `(\w+)` \|$", README, re.MULTILINE))
STORIES = sorted(p.name for p in SEEDS.iterdir() if p.is_file() and p.name != "README.md")
MALFORMED = sorted(f"malformed/{p.name}" for p in (SEEDS / "malformed").iterdir())
FORMATS = {"plaintext": "plaintext", "NewsML-G2": "newsml-g2"}


def test_readme_lists_exactly_the_seed_files() -> None:
    assert sorted(STORY_ROWS) == STORIES
    assert sorted(MALFORMED_ROWS) == MALFORMED
    assert len(STORIES) >= 12 and len(MALFORMED) >= 5


@pytest.mark.parametrize("name", STORIES)
def test_story_seed_parses(parse, name: str) -> None:
    story = parse((SEEDS / name).read_bytes())
    assert story.source_format == FORMATS.get(STORY_ROWS[name], "ninjs")
    assert story.headline and len(story.headline) <= 200
    assert 250 <= len(story.body.split()) <= 600
    assert story.dateline_date is not None
    assert story.language is not None


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_seed_fails_with_the_documented_reason(reject, name: str) -> None:
    reject((SEEDS / name).read_bytes(), ReasonCode(MALFORMED_ROWS[name]))


def _story(parse, name: str):
    return parse((SEEDS / name).read_bytes())


def test_version_2_supersedes_version_1_of_the_same_guid(parse) -> None:
    v1, v2 = _story(parse, "n03_dock_strike_v1.json"), _story(parse, "n03_dock_strike_v2.json")
    assert v1.id == v2.id and (v1.version, v2.version) == (1, 2)
    assert v1.headline != v2.headline


def test_withdrawn_seeds(parse) -> None:
    withdrawn = {name for name in STORIES if _story(parse, name).withdrawn}
    assert withdrawn == {"g03_wildfire_canceled.xml", "n04_gallery_postponed_canceled.json"}


def test_exactly_one_unsupported_language_seed(parse) -> None:
    languages = {name: _story(parse, name).language for name in STORIES}
    assert {name for name, lang in languages.items() if not is_supported(lang)} == {"p05_windpark_de.txt"}
    assert languages["p05_windpark_de.txt"] == "de"


def test_seeds_cover_the_three_formats_and_distinct_ids(parse) -> None:
    formats = Counter(_story(parse, name).source_format for name in STORIES)
    assert formats["plaintext"] >= 5 and formats["ninjs"] >= 4 and formats["newsml-g2"] >= 4
    ids = [_story(parse, name).id for name in STORIES]
    assert len(set(ids)) == len(ids) - 1  # only the v1/v2 pair shares a guid


def test_latin1_seed_is_decoded_with_its_declared_encoding(parse) -> None:
    story = _story(parse, "g04_film_festival_latin1.xml")
    assert "Inês Carvalho" in story.headline and "Léa Moreau" in story.body
