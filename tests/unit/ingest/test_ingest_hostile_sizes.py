"""Pathological inputs finish quickly: linear scans, and the time budget is checked while parsing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from schemas.models import ReasonCode
from streams.ingest import IngestError, IngestLimits, parse_message

LIMITS = IngestLimits(parse_timeout_s=0.3)
WALL_LIMIT_S = 3.0  # generous for a loaded CI machine; quadratic behaviour would take minutes


@pytest.mark.parametrize(
    ("value", "reasons"),
    [
        (b'{"body_text": "' + b'\\"' * 200_000, {ReasonCode.PARSE_ERROR}),  # unterminated string full of quotes
        (b'{"a": ' + b'"' * 400_000, {ReasonCode.PARSE_ERROR}),
        (json.dumps({"body_html": "<" * 400_000}).encode(), {ReasonCode.VALIDATION_ERROR}),
        (json.dumps({"body_html": "<div>" * 150_000}).encode(), {ReasonCode.VALIDATION_ERROR}),
        (b"<newsItem>" + b"<a>" * 300_000, {ReasonCode.PARSE_ERROR}),
        (b"date 2026-01-01 " + b"Mr. " * 200_000, {ReasonCode.VALIDATION_ERROR}),
    ],
    ids=["json-escaped-quotes", "json-quotes", "html-lt", "html-nested", "xml-deep", "plaintext-abbreviations"],
)
def test_pathological_input_is_rejected_quickly(value: bytes, reasons: set[ReasonCode]) -> None:
    start = time.perf_counter()
    with pytest.raises(IngestError) as info:
        parse_message(value, received_at=datetime.now(UTC), limits=LIMITS)
    assert time.perf_counter() - start < WALL_LIMIT_S
    # on a loaded machine the budget may run out first; either way the message is rejected in time
    assert info.value.reason in reasons | {ReasonCode.PARSE_TIMEOUT}, info.value.message
