"""The seed plain-text form: `date YYYY-MM-DD` then the story."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.models import ReasonCode
from streams.ingest.text import derive_headline

STORY = (
    "The river authority opened a new footbridge on Friday after two years of work. "
    "It links the old town with the railway station.\n\n"
    "Mayor Jane Holloway said the bridge would cut walking times by ten minutes.\n\n"
    "Holloway thanked the engineers who finished the work ahead of schedule."
)


@pytest.mark.parametrize(
    "value",
    [
        f" date 2026-03-06 {STORY}",
        f"date 2026-03-06\n{STORY}",
        f"date 2026-03-06\r\n{STORY}".replace("\n\n", "\r\n\r\n"),
        f"\n\n   date 2026-03-06   {STORY}\n\n\n",
        f"\ufeffdate 2026-03-06 {STORY}",
    ],
)
def test_seed_form_variants_parse_to_the_same_story(parse, value: str) -> None:
    story = parse(value.encode("utf-8"))
    assert story.source_format == "plaintext"
    assert story.dateline_date == date(2026, 3, 6)
    assert story.body == STORY
    assert story.headline == "The river authority opened a new footbridge on Friday after two years of work"
    assert story.version == 1
    assert story.pubstatus == "usable"
    assert story.language == "en"
    assert story.id.startswith("sha256:") and len(story.id) == len("sha256:") + 16


def test_paragraph_lines_are_joined_and_blank_lines_separate_paragraphs(parse) -> None:
    story = parse(b"date 2026-03-06 First line\nstill first paragraph.\n \t\nSecond   paragraph.\n\n\n\nThird.")
    assert story.body == "First line still first paragraph.\n\nSecond paragraph.\n\nThird."


def test_same_text_pushed_twice_gets_the_same_id_and_different_text_does_not(parse) -> None:
    first = parse(f"date 2026-03-06 {STORY}".encode())
    again = parse(f"  date 2026-03-06\n{STORY}\n".encode())
    other_day = parse(f"date 2026-03-07 {STORY}".encode())
    other_text = parse(f"date 2026-03-06 {STORY} One more sentence.".encode())
    assert first.id == again.id
    assert len({first.id, other_day.id, other_text.id}) == 3


@pytest.mark.parametrize(
    ("raw_date", "fragment"),
    [
        ("2021-02-30", "2021-02-30"),
        ("2026-13-01", "2026-13-01"),
        ("2026-1-5", "YYYY-MM-DD"),
        ("2026-00-10", "2026-00-10"),
    ],
)
def test_invalid_dates_are_validation_errors(reject, raw_date: str, fragment: str) -> None:
    error = reject(f"date {raw_date} {STORY}".encode(), ReasonCode.VALIDATION_ERROR)
    assert "date" in error.message and fragment in error.message
    assert error.source_format == "plaintext"


def test_date_without_story_is_an_empty_body(reject) -> None:
    error = reject(b"date 2026-03-06   \n\n  \n", ReasonCode.VALIDATION_ERROR)
    assert "body" in error.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Short one. Second sentence.", "Short one"),
        ("Is it over? Yes.", "Is it over?"),
        (
            "Dr. Mary Kane of the U.S. Navy spoke on Monday. Then she left.",
            "Dr. Mary Kane of the U.S. Navy spoke on Monday",
        ),
        ("Shares rose 3.5 percent in Oslo. Analysts cheered.", "Shares rose 3.5 percent in Oslo"),
        ('"We won," she said. The crowd cheered.', '"We won," she said'),
        ("No sentence end at all", "No sentence end at all"),
        ("First paragraph only\n\nSecond paragraph.", "First paragraph only"),
    ],
)
def test_derive_headline_takes_the_first_sentence(body: str, expected: str) -> None:
    assert derive_headline(body) == expected


def test_derive_headline_cuts_long_sentences_at_a_word() -> None:
    body = "word " * 60 + "end."
    headline = derive_headline(body, max_chars=50)
    assert len(headline) <= 50
    assert headline.endswith("…")
    assert headline[:-1].split() == ["word"] * len(headline[:-1].split())
