"""`tail` lines: raw messages, headlines, dead letters with key, file and the size limit (issue 17, 6 and 12)."""

from __future__ import annotations

import base64

from streams.cli.wire import FILE_HEADER, TailRecord, format_event, format_record
from streams.config import Settings
from streams.topics import Topics

TOPICS = Topics.of(Settings())


def test_raw_line_shows_size_format_and_first_characters() -> None:
    value = b'{"uri": "urn:x", "headlines": [{"value": "Dock strike ends"}], "bodies": [{"value": "Body"}]}'
    record = TailRecord("wire.raw", 1, 5, b"urn:x", value, {FILE_HEADER: b"strike.json"})
    line = format_record(record, TOPICS, width=200)
    assert "None" not in line
    assert f"{len(value):,} B" in line and "ninjs" in line and "file=strike.json" in line and "key=urn:x" in line
    assert '{"uri": "urn:x"' in line


def test_raw_line_of_plain_text_and_empty_messages() -> None:
    text = format_record(TailRecord("wire.raw", 0, 1, None, b"date 2026-01-01\nHello world"), TOPICS, width=120)
    assert "plaintext" in text and "Hello world" in text
    assert "(empty)" in format_record(TailRecord("wire.raw", 0, 2, None, b""), TOPICS, width=120)


def _enriched(headline: str) -> dict:
    return {
        "headlines": [{"value": headline, "role": "main"}],
        "language": "en",
        "wirestream": {"event": "enriched", "story_id": "sha256:abc", "story_version": 1, "topics": [], "entities": []},
    }


def test_enriched_line_carries_the_headline_cut_to_the_width() -> None:
    line = format_event("wire.enriched", _enriched("Saltmarsh dock strike suspended " * 10), width=120)
    assert len(line) <= 120 and "Saltmarsh dock strike" in line and line.endswith("…")
    short = format_event("wire.enriched", _enriched("Short headline"), width=120)
    assert short.endswith("| Short headline")


def _dead(message: str) -> dict:
    return {"reason": "too_large", "message": message, "original_b64": base64.b64encode(b"x").decode(),
            "source_topic": "wire.raw", "source_partition": 0, "source_offset": 7}  # fmt: skip


def test_dead_letter_line_shows_key_file_and_the_limit() -> None:
    message = ("original truncated to its first 262,144 of 5,000,000 bytes; "
               "message is 5,000,000 bytes, larger than the limit of 1,000,000")  # fmt: skip
    line = format_event("wire.deadletter", _dead(message), key=b"unparsed:0123", headers={FILE_HEADER: b"big.txt"}, width=100)
    assert "key=unparsed:0123" in line and "file=big.txt" in line
    assert "limit of 1,000,000" in line  # today's line was cut before it
    assert "wire.raw/0@7" in line
