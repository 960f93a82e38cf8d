"""IPTC ninjs JSON: 3.0 (camelCase), 2.x (lowercase) and the 1.x ``headline``/``body_text``/``body_html`` fields.

Keys are matched case-insensitively, which makes ``pubStatus``/``pubstatus``, ``versionCreated``/
``versioncreated`` and ``contentType``/``contenttype`` the same field. The main headline and body are
the ones with role ``main`` (else the first). HTML bodies become plain-text paragraphs.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from schemas.models import ReasonCode
from streams.ingest.errors import IngestError
from streams.ingest.fields import (
    StoryFields,
    date_from,
    invalid,
    language_from,
    pubstatus_from,
    type_name,
    version_from,
)
from streams.ingest.limits import ParseContext
from streams.ingest.text import clean_inline, html_to_text, normalize_body

# A string literal (closing quote optional, so an unterminated string ends the scan instead of being
# retried from every later quote: linear time) or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def parse(text: str, ctx: ParseContext) -> StoryFields:
    """Parse one ninjs document."""
    check_json_depth(text, ctx.limits.json_max_depth)
    ctx.deadline.check("json depth")
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise IngestError(ReasonCode.PARSE_ERROR, f"invalid JSON: {exc}") from None
    ctx.deadline.check("json")
    if not isinstance(document, dict):
        raise IngestError(ReasonCode.VALIDATION_ERROR, f"ninjs must be a JSON object, got {type_name(document)}")
    doc = _lower_keys(document)

    headline = _headline(doc, ctx)
    body = _body(doc, ctx)
    dateline = None
    for key in ("contentcreated", "firstcreated", "versioncreated"):
        raw = _opt_str(doc, key)
        if raw:
            dateline = date_from(raw, key)
            break
    language = _opt_str(doc, "language")
    pubstatus = _opt_str(doc, "pubstatus")
    byline = _opt_str(doc, "by") or _opt_str(doc, "byline")
    uri = _opt_str(doc, "uri")
    return StoryFields(
        id=uri.strip() if uri and uri.strip() else None,
        version=version_from(doc["version"], "version") if doc.get("version") is not None else 1,
        headline=headline,
        body=body,
        dateline_date=dateline,
        language=language_from(language, "language") if language else None,
        pubstatus=pubstatus_from(pubstatus, "pubStatus") if pubstatus else "usable",
        byline=clean_inline(byline) if byline else None,
        provider=_provider(doc),
        urgency=_urgency(doc),
    )


def check_json_depth(text: str, max_depth: int) -> None:
    """Raise ``parse_error`` when arrays/objects nest deeper than ``max_depth`` (checked before decoding)."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > max_depth:
                raise IngestError(ReasonCode.PARSE_ERROR, f"JSON nests deeper than the limit of {max_depth} levels")
        elif char in "]}":
            depth -= 1


def _lower_keys(obj: dict[str, Any]) -> dict[str, Any]:
    return {key.lower(): value for key, value in obj.items()}


def _opt_str(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None or isinstance(value, str):
        return value
    raise invalid(key, f"must be a string, got {type_name(value)}")


def _texts(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """ninjs 2.x/3.0 ``headlines``/``bodies``: an array of ``{value, role, contentType}`` objects."""
    items = doc.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise invalid(key, f"must be an array of {{value, role}} objects, got {type_name(items)}")
    result = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid(f"{key}[{i}]", f"must be an object with a 'value', got {type_name(item)}")
        item = _lower_keys(item)
        if not isinstance(item.get("value"), str):
            raise invalid(f"{key}[{i}].value", f"must be a string, got {type_name(item.get('value'))}")
        for attr in ("role", "contenttype"):
            if item.get(attr) is not None and not isinstance(item[attr], str):
                raise invalid(f"{key}[{i}].{attr}", f"must be a string, got {type_name(item[attr])}")
        result.append(item)
    return result


def _main(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    for item in items:
        if (item.get("role") or "").lower() == "main":
            return item
    return items[0] if items else None


def _headline(doc: dict[str, Any], ctx: ParseContext) -> str:
    main = _main(_texts(doc, "headlines"))
    if main is not None:
        is_html = "html" in (main.get("contenttype") or "").lower()
        return clean_inline(html_to_text(main["value"], ctx.deadline) if is_html else main["value"])
    return clean_inline(_opt_str(doc, "headline") or "")


def _body(doc: dict[str, Any], ctx: ParseContext) -> str:
    main = _main(_texts(doc, "bodies"))
    if main is not None:
        is_html = "html" in (main.get("contenttype") or "").lower()
        return html_to_text(main["value"], ctx.deadline) if is_html else normalize_body(main["value"])
    body_text = _opt_str(doc, "body_text")
    if body_text:
        return normalize_body(body_text)
    body_html = _opt_str(doc, "body_html")
    if body_html:
        return html_to_text(body_html, ctx.deadline)
    raise invalid("bodies", "ninjs document has no body ('bodies' in ninjs 2.x/3.0, 'body_text'/'body_html' in 1.x)")


def _provider(doc: dict[str, Any]) -> str | None:
    """Provider name from ``infoSources``/``infosources`` or ``copyrightHolder`` (ignored when malformed)."""
    sources = doc.get("infosources")
    if isinstance(sources, list):
        for source in sources:
            if isinstance(source, dict) and isinstance(source.get("name"), str) and source["name"].strip():
                return clean_inline(source["name"])
    holder = doc.get("copyrightholder")
    return clean_inline(holder) if isinstance(holder, str) and holder.strip() else None


def _urgency(doc: dict[str, Any]) -> int | None:
    urgency = doc.get("urgency")
    if urgency is None:
        return None
    if isinstance(urgency, bool) or not isinstance(urgency, int) or not 1 <= urgency <= 9:
        raise invalid("urgency", f"must be an integer from 1 to 9, got {urgency!r}"[:120])
    return urgency
