"""Document.of_story: what the enrichment library reads of a parsed story."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.enrich.document import Document
from streams.ingest import parse_message

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_derived_headline_is_left_out_so_the_lead_counts_once() -> None:
    story = parse_message(b"date 2026-03-01 Mayor Ottoline Quarrington opened the ferry terminal. Crowds cheered.", received_at=NOW)
    assert story.headline_derived and story.headline.startswith("Mayor Ottoline Quarrington")
    doc = Document.of_story(story)
    assert doc.headline == "" and doc.body == story.body and doc.text == story.body


def test_a_real_headline_is_kept() -> None:
    ninjs = b'{"uri": "urn:x:1", "headlines": [{"value": "Ferry terminal opens"}], "bodies": [{"value": "Crowds cheered the new ferry terminal on Monday."}]}'
    story = parse_message(ninjs, received_at=NOW)
    assert not story.headline_derived
    assert Document.of_story(story).headline == "Ferry terminal opens"
