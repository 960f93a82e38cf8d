"""NewsML-G2 newsItem / newsMessage parsing, including hostile XML."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.models import ReasonCode

G2 = "http://iptc.org/std/nar/2006-10-01/"
PARAGRAPHS = [
    "The regional parliament passed a budget on Thursday that raises spending on schools by six percent.",
    "Finance minister Tomas Berg said the budget was balanced. Opposition leader Ruth Kim called it reckless.",
]


def news_item(
    *,
    guid: str = "urn:test:budget",
    version: str = "3",
    status: str = "stat:usable",
    language: str = '<language tag="en"/>',
    content: str | None = None,
    prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
    extra_meta: str = "",
) -> str:
    if content is None:
        paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        content = (
            '<inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">'
            f"<head><title>ignored title</title></head><body>{paragraphs}</body></html></inlineXML>"
        )
    return (
        f'{prolog}<newsItem xmlns="{G2}" guid="{guid}" version="{version}" standard="NewsML-G2" standardversion="2.33">'
        '<itemMeta><itemClass qcode="ninat:text"/><provider literal="Test Wire"/>'
        f'<versionCreated>2026-06-02T08:00:00Z</versionCreated><pubStatus qcode="{status}"/></itemMeta>'
        f"<contentMeta><urgency>2</urgency><contentCreated>2026-06-01T18:00:00+02:00</contentCreated>{language}"
        f"<headline>Budget raises school spending</headline><by>By Lee Park</by>{extra_meta}</contentMeta>"
        f"<contentSet>{content}</contentSet></newsItem>"
    )


def test_news_item(parse) -> None:
    story = parse(news_item().encode())
    assert (story.id, story.version, story.source_format, story.pubstatus) == (
        "urn:test:budget",
        3,
        "newsml-g2",
        "usable",
    )
    assert story.headline == "Budget raises school spending"
    assert story.body == "\n\n".join(PARAGRAPHS)
    assert "ignored title" not in story.body
    assert story.dateline_date == date(2026, 6, 1)
    assert (story.language, story.byline, story.provider, story.urgency) == ("en", "By Lee Park", "Test Wire", 2)


def test_news_message_wrapper(parse) -> None:
    item = news_item(prolog="")
    message = f'<?xml version="1.0"?><newsMessage xmlns="{G2}"><header><sent>2026-06-02T08:00:00Z</sent></header><itemSet>{item}</itemSet></newsMessage>'
    assert parse(message.encode()).id == "urn:test:budget"


def test_without_namespace_and_with_xml_lang(parse) -> None:
    xml = news_item(language="").replace(f' xmlns="{G2}"', ' xml:lang="de"')
    assert parse(xml.encode()).language == "de"


def test_inline_data_plain_text(parse) -> None:
    body = "\n\n".join(PARAGRAPHS)
    story = parse(news_item(content=f'<inlineData contenttype="text/plain">{body}</inlineData>').encode())
    assert story.body == body


def test_inline_data_escaped_html(parse) -> None:
    escaped = "".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in PARAGRAPHS)
    story = parse(news_item(content=f'<inlineData contenttype="text/html">{escaped}</inlineData>').encode())
    assert story.body == "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize(
    ("qcode", "expected"), [("stat:usable", "usable"), ("stat:withheld", "withheld"), ("stat:canceled", "canceled")]
)
def test_pub_status(parse, qcode: str, expected: str) -> None:
    assert parse(news_item(status=qcode).encode()).pubstatus == expected


@pytest.mark.parametrize("encoding", ["iso-8859-1", "windows-1252", "utf-8"])
def test_declared_encoding_is_honoured(parse, encoding: str) -> None:
    xml = news_item(
        prolog=f'<?xml version="1.0" encoding="{encoding}"?>\n', extra_meta="<slugline>Café Zürich</slugline>"
    )
    xml = xml.replace("Budget raises", "Café budget raises")
    story = parse(xml.encode(encoding))
    assert story.headline == "Café budget raises school spending"


def test_utf16_with_bom(parse) -> None:
    xml = news_item(prolog='<?xml version="1.0" encoding="UTF-16"?>\n')
    assert parse(xml.encode("utf-16")).id == "urn:test:budget"


@pytest.mark.parametrize(
    ("xml", "reason", "fragment"),
    [
        (news_item(version="x"), ReasonCode.VALIDATION_ERROR, "version"),
        (news_item(status="stat:unknown"), ReasonCode.VALIDATION_ERROR, "pubStatus"),
        (news_item(content='<remoteContent href="http://example.org/x"/>'), ReasonCode.VALIDATION_ERROR, "contentSet"),
        (
            news_item(content="<inlineXML><html><body><p>  </p></body></html></inlineXML>"),
            ReasonCode.VALIDATION_ERROR,
            "body",
        ),
        (news_item(language='<language tag="not a tag"/>'), ReasonCode.VALIDATION_ERROR, "language"),
        (news_item()[:-20], ReasonCode.PARSE_ERROR, "malformed XML"),
        (f'<newsMessage xmlns="{G2}"><itemSet/></newsMessage>', ReasonCode.PARSE_ERROR, "no newsItem"),
        ("<root><newsItem/></root>", ReasonCode.PARSE_ERROR, "root element"),
        (news_item(content="<inlineData>&undefined;</inlineData>"), ReasonCode.PARSE_ERROR, "undefined entity"),
        (news_item(prolog='<?xml version="1.0" encoding="no-such-codec"?>'), ReasonCode.DECODE_ERROR, "no-such-codec"),
    ],
)
def test_bad_items(reject, xml: str, reason: ReasonCode, fragment: str) -> None:
    error = reject(xml.encode(), reason)
    assert fragment in error.message


def test_nesting_beyond_the_limit(reject) -> None:
    deep = "<div>" * 70 + "text" + "</div>" * 70
    error = reject(news_item(content=f"<inlineXML>{deep}</inlineXML>").encode(), ReasonCode.PARSE_ERROR)
    assert "deeper" in error.message


# --------------------------------------------------------------------------- hostile XML

HOSTILE = {
    "external_entity_file": '<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "external_entity_http": '<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
    "parameter_entity": '<!DOCTYPE newsItem [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    "external_dtd": '<!DOCTYPE newsItem SYSTEM "file:///etc/passwd">',
    "internal_entity": '<!DOCTYPE newsItem [<!ENTITY xxe "expanded">]>',
    "billion_laughs": '<!DOCTYPE newsItem [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY xxe "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
}


@pytest.mark.parametrize("doctype", HOSTILE.values(), ids=HOSTILE.keys())
def test_dtds_and_entities_are_forbidden_and_never_resolved(reject, doctype: str) -> None:
    xml = news_item(prolog=f'<?xml version="1.0"?>\n{doctype}\n', content="<inlineData>&xxe; body</inlineData>")
    error = reject(xml.encode(), ReasonCode.XML_FORBIDDEN)
    assert "root:" not in error.message and "/bin/" not in error.message
    assert error.source_format == "newsml-g2"


def test_local_file_content_never_appears_even_without_entity_reference(reject) -> None:
    xml = news_item(prolog='<?xml version="1.0"?>\n<!DOCTYPE newsItem SYSTEM "file:///etc/passwd">\n')
    error = reject(xml.encode(), ReasonCode.XML_FORBIDDEN)
    assert "root:" not in str(error)


def test_latin1_label_reads_windows_1252_quotes(parse) -> None:
    xml = news_item(prolog='<?xml version="1.0" encoding="ISO-8859-1"?>\n').replace(
        "Budget raises", "\u201cBudget\u201d raises"
    )
    assert parse(xml.encode("cp1252")).headline == "\u201cBudget\u201d raises school spending"
