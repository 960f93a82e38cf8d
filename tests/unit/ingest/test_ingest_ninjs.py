"""IPTC ninjs JSON (1.x, 2.x, 3.0)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from schemas.models import ReasonCode

BODY = (
    "The city's transport authority said on Tuesday that ticket prices would stay frozen for another year. "
    "Commuter groups welcomed the decision.\n\nThe authority's chair, Maria Lopez, said the freeze would cost "
    "about four million dollars."
)
HTML_BODY = (
    "<p>The city's transport authority said on Tuesday that ticket prices would stay frozen for another year. "
    "Commuter groups welcomed the decision.</p>\n<p>The authority's chair, <b>Maria Lopez</b>, said the freeze "
    "would cost about four million&nbsp;dollars.</p><script>alert('x')</script>"
)


def dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode("utf-8")


def ninjs2(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "uri": "urn:test:fares",
        "version": "2",
        "versioncreated": "2026-05-05T10:00:00Z",
        "firstcreated": "2026-05-04T09:00:00+02:00",
        "pubstatus": "usable",
        "language": "en",
        "byline": "By Sam Reed",
        "urgency": 3,
        "headlines": [
            {"value": "Fares frozen", "role": "short"},
            {"value": "Transit fares frozen for a year", "role": "main"},
        ],
        "bodies": [{"value": BODY, "role": "main", "contenttype": "text/plain"}],
    }
    doc.update(overrides)
    return doc


def ninjs3(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "uri": "urn:test:fares",
        "standard": {"name": "ninjs", "version": "3.0"},
        "version": "2",
        "versionCreated": "2026-05-05T10:00:00Z",
        "firstCreated": "2026-05-04T09:00:00+02:00",
        "pubStatus": "usable",
        "language": "en-gb",
        "by": "By Sam Reed",
        "headlines": [{"value": "Transit fares frozen for a year"}],
        "bodies": [{"value": HTML_BODY, "role": "main", "contentType": "text/html"}],
        "infoSources": [{"name": "Metro Wire"}],
    }
    doc.update(overrides)
    return doc


def test_ninjs_2(parse) -> None:
    story = parse(dump(ninjs2()))
    assert (story.id, story.version, story.source_format) == ("urn:test:fares", 2, "ninjs")
    assert story.headline == "Transit fares frozen for a year"
    assert story.body == BODY
    assert story.dateline_date == date(2026, 5, 4)
    assert (story.language, story.byline, story.urgency, story.pubstatus) == ("en", "By Sam Reed", 3, "usable")


def test_ninjs_3_with_html_body(parse) -> None:
    story = parse(dump(ninjs3()))
    assert (story.id, story.version) == ("urn:test:fares", 2)
    assert story.headline == "Transit fares frozen for a year"
    assert story.body == BODY
    assert "<" not in story.body and "alert" not in story.body
    assert (story.language, story.byline, story.provider) == ("en-GB", "By Sam Reed", "Metro Wire")


@pytest.mark.parametrize(
    ("fields", "headline", "body"),
    [
        ({"headline": "Fares frozen", "body_text": BODY}, "Fares frozen", BODY),
        ({"headline": "Fares frozen", "body_html": HTML_BODY}, "Fares frozen", BODY),
        ({"body_text": BODY}, "", BODY),
    ],
)
def test_ninjs_1_simple_fields(parse, fields: dict[str, str], headline: str, body: str) -> None:
    story = parse(dump({"uri": "urn:test:v1", **fields}))
    assert (story.headline, story.body, story.version) == (headline, body, 1)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("usable", "usable"),
        ("withheld", "withheld"),
        ("canceled", "canceled"),
        ("cancelled", "canceled"),
        ("Withdrawn", "canceled"),
    ],
)
@pytest.mark.parametrize("make", [ninjs2, ninjs3])
def test_pubstatus(parse, make, status: str, expected: str) -> None:
    key = "pubstatus" if make is ninjs2 else "pubStatus"
    story = parse(dump(make(**{key: status})))
    assert story.pubstatus == expected
    assert story.withdrawn is (expected != "usable")


def test_without_uri_the_id_is_a_stable_content_hash(parse) -> None:
    doc = ninjs3()
    del doc["uri"]
    first, second = parse(dump(doc)), parse(json.dumps(doc, indent=4).encode())
    assert first.id == second.id and first.id.startswith("sha256:")


def test_language_is_detected_when_not_declared(parse) -> None:
    doc = ninjs2()
    del doc["language"]
    assert parse(dump(doc)).language == "en"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"headlines": 42}, "headlines"),
        ({"headlines": [{"value": 7}]}, "headlines[0].value"),
        ({"headlines": ["plain string"]}, "headlines[0]"),
        ({"bodies": {"value": BODY}}, "bodies"),
        ({"bodies": [{"value": BODY, "role": 5}]}, "bodies[0].role"),
        ({"bodies": []}, "bodies"),
        ({"version": "two"}, "version"),
        ({"version": "0"}, "version"),
        ({"version": True}, "version"),
        ({"pubstatus": "maybe"}, "pubStatus"),
        ({"pubstatus": 1}, "pubstatus"),
        ({"firstcreated": "2026-02-30T10:00:00Z"}, "firstcreated"),
        ({"language": "english!"}, "language"),
        ({"language": 12}, "language"),
        ({"urgency": 12}, "urgency"),
        ({"uri": ["a"]}, "uri"),
        ({"uri": "u" * 600}, "id"),
    ],
)
def test_wrong_types_and_values_are_validation_errors_naming_the_field(
    reject, overrides: dict[str, Any], field: str
) -> None:
    error = reject(dump(ninjs2(**overrides)), ReasonCode.VALIDATION_ERROR)
    assert f"'{field}'" in error.message
    assert error.source_format == "ninjs"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b'{"uri": "x", "bodies": [', ReasonCode.PARSE_ERROR),
        (b'{"uri": "x",}', ReasonCode.PARSE_ERROR),
        (b"{'uri': 'x'}", ReasonCode.PARSE_ERROR),
        (b'{"a": NaN}', ReasonCode.PARSE_ERROR),
        (b'{"a": ' + b"[" * 65 + b"]" * 65 + b"}", ReasonCode.PARSE_ERROR),
        (b'{"a": ' + b"[" * 100_000, ReasonCode.PARSE_ERROR),
        (b'{"headline": "x", "body_text": "   "}', ReasonCode.VALIDATION_ERROR),
    ],
)
def test_broken_json(reject, value: bytes, reason: ReasonCode) -> None:
    reject(value, reason)


def test_brackets_inside_strings_do_not_count_as_nesting(parse) -> None:
    story = parse(dump(ninjs2(headlines=[{"value": "[[[[ {{{{ " * 40}])))
    assert story.headline.startswith("[[[[")


def test_nesting_at_the_limit_is_accepted(parse) -> None:
    doc = ninjs2()
    doc["extra"] = json.loads("[" * 63 + "]" * 63)  # + the top-level object = 64 levels
    assert parse(dump(doc)).id == "urn:test:fares"


def test_html_headline_is_converted_to_text(parse) -> None:
    story = parse(dump(ninjs3(headlines=[{"value": "Fares <em>frozen</em> &amp; cut", "contentType": "text/html"}])))
    assert story.headline == "Fares frozen & cut"
