"""Reason codes shared by all formats: empty, size, decoding, limits, time budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from schemas.models import ReasonCode
from streams.config import Settings
from streams.ingest import IngestError, IngestLimits, parse_message

STORY = b"date 2026-01-02 The ferry resumed service on Monday. Passengers were relieved."


@pytest.mark.parametrize("value", [None, b"", b"   ", b"\n\r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_empty(reject, value: bytes | None) -> None:
    reject(value, ReasonCode.EMPTY)


def test_too_large_is_checked_before_anything_else(reject) -> None:
    limits = IngestLimits(max_message_bytes=1024)
    error = reject(b"\xff" * 1025, ReasonCode.TOO_LARGE, limits)
    assert "1,025" in error.message and "1,024" in error.message


def test_at_the_size_limit_is_accepted(parse) -> None:
    value = STORY + b" " * (1024 - len(STORY))
    assert parse(value, IngestLimits(max_message_bytes=1024)).source_format == "plaintext"


@pytest.mark.parametrize(
    "value",
    [
        b"date 2026-01-02 caf\xe9 au lait",  # latin-1 byte in UTF-8 text
        b"date 2026-01-02 \xc3\x28 broken sequence",
        b"date 2026-01-02 truncated \xe2\x82",
        b"date 2026-01-02 surrogate \xed\xa0\x80",
        b"date 2026-01-02 nul \x00 byte",
        b"date 2026-01-02 escape \x1b[31m codes",
        b'{"headline": "bell \x07"}',
        "date 2026-01-02 C1 control \u0085 here".encode(),
        b"\xff\xfe\x00",  # UTF-16 BOM with an odd byte count
        b'<?xml version="1.0" encoding="UTF-16"?><newsItem/>',  # declares UTF-16 without a BOM
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
)
def test_decode_errors(reject, value: bytes) -> None:
    reject(value, ReasonCode.DECODE_ERROR)


@pytest.mark.parametrize("value", [b"\xef\xbb\xbf" + STORY, STORY.decode().encode("utf-16")])
def test_byte_order_marks_are_accepted(parse, value: bytes) -> None:
    assert parse(value).dateline_date.isoformat() == "2026-01-02"


@pytest.mark.parametrize("value", [b"hello world", b"<html/>", b"[]", b"42", b'"just a string"'])
def test_unknown_format(reject, value: bytes) -> None:
    error = reject(value, ReasonCode.UNKNOWN_FORMAT)
    assert error.source_format is None


def test_headline_longer_than_the_limit(reject) -> None:
    value = json.dumps({"headline": "h" * 101, "body_text": "A body long enough to be a story."}).encode()
    error = reject(value, ReasonCode.VALIDATION_ERROR, IngestLimits(max_headline_chars=100))
    assert "'headline'" in error.message and "101" in error.message


def test_body_longer_than_the_limit(reject) -> None:
    value = b"date 2026-01-02 " + b"word " * 100
    error = reject(value, ReasonCode.VALIDATION_ERROR, IngestLimits(max_body_chars=200))
    assert "'body'" in error.message


def fake_clock(step_s: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step_s


@pytest.mark.parametrize(
    "value",
    [
        STORY,
        json.dumps({"headline": "x", "body_text": "A body."}).encode(),
        b'<newsItem guid="g"><contentSet><inlineData>Body.</inlineData></contentSet></newsItem>',
    ],
)
def test_parse_timeout_with_an_injected_clock(value: bytes) -> None:
    ticks = fake_clock(step_s=1.5)  # every clock reading advances 1.5 s; the budget is 2 s
    with pytest.raises(IngestError) as info:
        parse_message(value, received_at=datetime.now(UTC), clock=lambda: next(ticks))
    assert info.value.reason is ReasonCode.PARSE_TIMEOUT
    assert "2 s budget" in info.value.message


def test_a_fast_clock_stays_within_budget() -> None:
    ticks = fake_clock(step_s=0.001)
    story = parse_message(STORY, received_at=datetime.now(UTC), clock=lambda: next(ticks))
    assert story.source_format == "plaintext"


def test_naive_received_at_is_taken_as_utc() -> None:
    story = parse_message(STORY, received_at=datetime(2026, 1, 2, 3, 4))
    assert story.received_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_non_bytes_value_is_an_ingest_error() -> None:
    with pytest.raises(IngestError) as info:
        parse_message("a str", received_at=datetime.now(UTC))  # type: ignore[arg-type]
    assert info.value.reason is ReasonCode.DECODE_ERROR


def test_limits_from_settings() -> None:
    settings = Settings(
        max_message_bytes=2048,
        max_headline_chars=50,
        max_body_chars=500,
        parse_timeout_s=0.5,
        xml_max_depth=8,
        json_max_depth=9,
    )
    assert IngestLimits.from_settings(settings) == IngestLimits(2048, 50, 500, 0.5, 8, 9)
    assert IngestLimits.from_settings(Settings()) == IngestLimits()


def test_error_carries_reason_message_stage_and_format(reject) -> None:
    error = reject(b'{"headlines": 1, "body_text": "x"}', ReasonCode.VALIDATION_ERROR)
    assert (error.stage, error.source_format) == ("parse", "ninjs")
    assert str(error).startswith("validation_error: ")
