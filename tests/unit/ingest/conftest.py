"""Shared fixtures of the ingest unit tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from schemas.models import ReasonCode, Story
from streams.ingest import IngestError, IngestLimits, parse_message

RECEIVED_AT = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)

Parse = Callable[..., Story]
Reject = Callable[..., IngestError]


@pytest.fixture
def parse() -> Parse:
    """``parse(value, limits=None)`` -> Story, with a fixed ``received_at``."""

    def _parse(value: bytes | None, limits: IngestLimits | None = None) -> Story:
        return parse_message(value, received_at=RECEIVED_AT, limits=limits)

    return _parse


@pytest.fixture
def reject() -> Reject:
    """``reject(value, reason, limits=None)`` -> the IngestError, asserting its reason code."""

    def _reject(value: bytes | None, reason: ReasonCode, limits: IngestLimits | None = None) -> IngestError:
        with pytest.raises(IngestError) as info:
            parse_message(value, received_at=RECEIVED_AT, limits=limits)
        assert info.value.reason is reason, info.value.message
        assert info.value.stage == "parse"
        assert info.value.message
        return info.value

    return _reject
