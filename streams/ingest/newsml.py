"""IPTC NewsML-G2 text items: a ``newsItem``, or the first ``newsItem`` of a ``newsMessage``.

Reads the ``guid``/``version`` attributes, ``itemMeta`` (``pubStatus`` qcode, ``provider``,
``firstCreated``/``versionCreated``), ``contentMeta`` (``headline``, ``language``, ``contentCreated``,
``urgency``, ``by``) and the first ``contentSet`` ``inlineXML`` (XHTML) or ``inlineData`` body. Elements
are matched by local name, so a missing or different default namespace is tolerated.

Parsing is defused: any DTD (hence every entity declaration and external reference) is rejected as
``xml_forbidden`` before it is processed, and nesting is limited to ``xml_max_depth``.
"""

from __future__ import annotations

import io
from datetime import date
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from schemas.models import ReasonCode
from streams.ingest.errors import IngestError
from streams.ingest.fields import StoryFields, date_from, invalid, language_from, pubstatus_from, version_from
from streams.ingest.limits import ParseContext
from streams.ingest.text import clean_inline, html_to_text, local_name, normalize_body, xhtml_to_text

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ROOTS = frozenset({"newsItem", "newsMessage"})


def parse(text: str, ctx: ParseContext) -> StoryFields:
    """Parse one NewsML-G2 document."""
    root = parse_xml(text, ctx)
    item = root if local_name(root.tag) == "newsItem" else _first(root, "newsItem", deep=True)
    if item is None:
        raise IngestError(ReasonCode.PARSE_ERROR, "newsMessage holds no newsItem")
    item_meta = _first(item, "itemMeta")
    content_meta = _first(item, "contentMeta")

    guid = (item.get("guid") or "").strip()
    version = version_from(item.get("version"), "newsItem/@version") if item.get("version") else 1
    pub_status = _first(item_meta, "pubStatus")
    qcode = pub_status.get("qcode") if pub_status is not None else None
    language_el = _first(content_meta, "language")
    declared_language = (language_el.get("tag") if language_el is not None else None) or item.get(_XML_LANG)

    return StoryFields(
        id=guid or None,
        version=version,
        headline=_text(_first(content_meta, "headline")),
        body=_body(item, ctx),
        dateline_date=_dateline(content_meta, item_meta),
        language=language_from(declared_language, "contentMeta/language/@tag") if declared_language else None,
        pubstatus=pubstatus_from(qcode, "itemMeta/pubStatus/@qcode") if qcode else "usable",
        byline=_text(_first(content_meta, "by")) or None,
        provider=_provider(_first(item_meta, "provider")),
        urgency=_urgency(_first(content_meta, "urgency")),
    )


def parse_xml(text: str, ctx: ParseContext) -> Element:
    """Parse XML safely: no DTDs/entities/external references, bounded depth, time-checked."""
    max_depth = ctx.limits.xml_max_depth
    depth = 0
    root: Element | None = None
    events = safe_et.iterparse(
        io.StringIO(text), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        for n, (event, element) in enumerate(events):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if local_name(root.tag) not in _ROOTS:
                        raise IngestError(
                            ReasonCode.PARSE_ERROR,
                            f"root element is <{local_name(root.tag)}>, expected newsItem or newsMessage",
                        )
                if depth > max_depth:
                    raise IngestError(ReasonCode.PARSE_ERROR, f"XML nests deeper than the limit of {max_depth} levels")
            else:
                depth -= 1
            if n % 2048 == 0:
                ctx.deadline.check("xml")
    except DefusedXmlException as exc:
        raise IngestError(ReasonCode.XML_FORBIDDEN, f"XML uses a forbidden construct ({_describe(exc)})") from None
    except ParseError as exc:
        raise IngestError(ReasonCode.PARSE_ERROR, f"malformed XML: {exc}") from None
    if root is None:
        raise IngestError(ReasonCode.PARSE_ERROR, "XML document has no root element")
    return root


def _describe(exc: DefusedXmlException) -> str:
    name = type(exc).__name__
    return {
        "DTDForbidden": "DTD / DOCTYPE declaration",
        "EntitiesForbidden": "entity declaration",
        "ExternalReferenceForbidden": "external reference",
        "NotSupportedError": "unsupported feature",
    }.get(name, name)


def _first(parent: Element | None, name: str, *, deep: bool = False) -> Element | None:
    if parent is None:
        return None
    for child in parent.iter() if deep else parent:
        if child is not parent and local_name(child.tag) == name:
            return child
    return None


def _text(element: Element | None) -> str:
    return clean_inline("".join(element.itertext())) if element is not None else ""


def _dateline(content_meta: Element | None, item_meta: Element | None) -> date | None:
    for parent, name in ((content_meta, "contentCreated"), (item_meta, "firstCreated"), (item_meta, "versionCreated")):
        raw = _text(_first(parent, name))
        if raw:
            return date_from(raw, name)
    return None


def _body(item: Element, ctx: ParseContext) -> str:
    content_set = _first(item, "contentSet")
    if content_set is None:
        raise invalid("contentSet", "newsItem has no contentSet holding the story body")
    for content in content_set:
        name = local_name(content.tag)
        if name == "inlineXML":
            xhtml_body = _first(content, "body", deep=True)
            return xhtml_to_text(content if xhtml_body is None else xhtml_body, ctx.deadline)
        if name == "inlineData":
            data = "".join(content.itertext())
            is_html = "html" in (content.get("contenttype") or "").lower()
            return html_to_text(data, ctx.deadline) if is_html else normalize_body(data)
    raise invalid("contentSet", "contentSet has no inlineXML or inlineData body (remote content is not fetched)")


def _provider(element: Element | None) -> str | None:
    if element is None:
        return None
    name = _text(_first(element, "name")) or element.get("literal") or element.get("qcode") or ""
    return clean_inline(name) or None


def _urgency(element: Element | None) -> int | None:
    raw = _text(element)
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 9:
        raise invalid("contentMeta/urgency", f"must be an integer from 1 to 9, got {raw[:20]!r}")
    return int(raw)
