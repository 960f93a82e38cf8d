"""Property: parse_message raises nothing but IngestError, whatever the bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.models import ReasonCode, Story
from streams.ingest import IngestError, IngestLimits, parse_message

RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)
LIMITS = IngestLimits(max_message_bytes=4096, max_headline_chars=200, max_body_chars=2000)

PREFIXES = st.sampled_from(
    [
        b"",
        b"date 2026-01-02 ",
        b"  date 2021-02-30\n",
        b"{",
        b'{"headlines": ',
        b'{"bodies": [{"value": ',
        b"<newsItem>",
        b'<?xml version="1.0"?><newsItem guid="g" version="',
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "uri",
                    "version",
                    "headlines",
                    "bodies",
                    "value",
                    "role",
                    "contentType",
                    "pubStatus",
                    "language",
                    "urgency",
                    "headline",
                    "body_text",
                    "body_html",
                    "firstCreated",
                    "by",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=6,
        )
    ),
    max_leaves=10,
)


def check(value: bytes) -> None:
    try:
        story = parse_message(value, received_at=RECEIVED_AT, limits=LIMITS)
    except IngestError as exc:
        assert isinstance(exc.reason, ReasonCode) and exc.message
    else:
        assert isinstance(story, Story) and story.body.strip()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=PREFIXES, tail=st.binary(max_size=300))
def test_random_bytes_only_raise_ingest_error(prefix: bytes, tail: bytes) -> None:
    check(prefix + tail)


@settings(max_examples=80, deadline=None)
@given(
    doc=st.dictionaries(
        st.sampled_from(
            [
                "uri",
                "version",
                "headlines",
                "bodies",
                "pubstatus",
                "pubStatus",
                "language",
                "urgency",
                "headline",
                "body_text",
                "body_html",
                "versionCreated",
                "byline",
            ]
        ),
        JSON_VALUES,
        max_size=8,
    )
)
def test_random_ninjs_like_json_only_raises_ingest_error(doc: dict[str, object]) -> None:
    check(json.dumps(doc).encode())


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300), version=st.text(max_size=5), status=st.text(max_size=15))
def test_random_g2_fields_only_raise_ingest_error(text: str, version: str, status: str) -> None:
    xml = (
        f"<newsItem guid='g' version={quoteattr(version)}><itemMeta><pubStatus qcode={quoteattr(status)}/></itemMeta>"
        f"<contentSet><inlineXML><p>{text}</p></inlineXML></contentSet></newsItem>"
    )
    check(xml.encode("utf-8", errors="surrogatepass"))
