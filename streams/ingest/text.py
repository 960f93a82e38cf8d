"""Text normalization shared by the parsers: paragraphs, headlines, HTML/XHTML to plain text, content ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

from streams.ingest.limits import Deadline

_BLANK_LINE = re.compile(r"\n[ \t\f\v\u00a0]*\n")
_SPACES = re.compile(r"\s+")


def clean_inline(text: str) -> str:
    """One line of text: NFC, whitespace runs collapsed to one space, stripped."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalize_body(text: str) -> str:
    """Plain-text body: paragraphs (split on blank lines) each on one line, separated by one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = (clean_inline(p) for p in _BLANK_LINE.split(text))
    return "\n\n".join(p for p in paragraphs if p)


_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "prof",
        "gen",
        "gov",
        "sen",
        "rep",
        "lt",
        "col",
        "capt",
        "sgt",
        "no",
        "inc",
        "co",
        "corp",
        "ltd",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
    ]
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?=\s+[\"'“‘(]?[A-Z0-9À-Þ]|\s*$)")


def derive_headline(body: str, max_chars: int = 120) -> str:
    """A headline for formats without one: the body's first sentence, cut at a word if longer than ``max_chars``."""
    # a sentence ending past max_chars is cut anyway, so only a window of the first paragraph matters
    first_paragraph = body.split("\n\n", 1)[0][: max_chars + 40]
    sentence = first_paragraph
    for match in _SENTENCE_END.finditer(first_paragraph):
        words = first_paragraph[max(0, match.start() - 12) : match.start()].split()
        last_word = words[-1].lower().strip("\"'“‘(") if words else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        sentence = first_paragraph[: match.end()]
        break
    sentence = sentence.rstrip()
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[: max_chars - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def content_id(headline: str, body: str, dateline: date | None) -> str:
    """Stable id for stories without a guid: the same text pushed twice gets the same id."""
    canonical = "\n".join(
        (clean_inline(headline).lower(), clean_inline(body).lower(), dateline.isoformat() if dateline else "")
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- markup to text

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
_SKIPPED_TAGS = frozenset(
    ["script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "svg", "math"]
)


class _ParagraphBuilder:
    """Collects text runs into paragraphs; block elements start a new paragraph."""

    def __init__(self) -> None:
        self._paragraphs: list[str] = []
        self._current: list[str] = []

    def text(self, run: str) -> None:
        self._current.append(run)

    def block_break(self) -> None:
        paragraph = clean_inline("".join(self._current))
        if paragraph:
            self._paragraphs.append(paragraph)
        self._current = []

    def result(self) -> str:
        self.block_break()
        return "\n\n".join(self._paragraphs)


_HTML_CHUNK = 16_384


class _HtmlToText(HTMLParser):
    def __init__(self, builder: _ParagraphBuilder, deadline: Deadline) -> None:
        super().__init__(convert_charrefs=True)
        self._builder = builder
        self._deadline = deadline
        self._skip_depth = 0
        self._events = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tick()
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self._builder.block_break()

    def handle_endtag(self, tag: str) -> None:
        self._tick()
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._builder.block_break()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._builder.text(data)

    def _tick(self) -> None:
        self._events += 1
        if self._events % 1024 == 0:
            self._deadline.check("html")


def html_to_text(html: str, deadline: Deadline) -> str:
    """Plain-text paragraphs of an HTML fragment (stdlib parser: no network, no entity definitions)."""
    builder = _ParagraphBuilder()
    parser = _HtmlToText(builder, deadline)
    # fed in chunks so the time budget is checked even when the parser stalls on pathological markup
    for start in range(0, len(html), _HTML_CHUNK):
        parser.feed(html[start : start + _HTML_CHUNK])
        deadline.check("html")
    parser.close()
    return normalize_body(builder.result())


def local_name(tag: object) -> str:
    """Element name without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xhtml_to_text(element: Element, deadline: Deadline) -> str:
    """Plain-text paragraphs of an already parsed XHTML (or any XML) element."""
    builder = _ParagraphBuilder()
    for n, (kind, node) in enumerate(_walk(element)):
        if n % 1024 == 0:
            deadline.check("xhtml")
        name = local_name(node.tag)
        if kind == "start":
            if name in _BLOCK_TAGS:
                builder.block_break()
            if node.text:
                builder.text(node.text)
        else:
            if name in _BLOCK_TAGS:
                builder.block_break()
            if node.tail and node is not element:
                builder.text(node.tail)
    return normalize_body(builder.result())


def _walk(root: Element) -> Iterator[tuple[str, Element]]:
    """Start/end events in document order, iteratively, skipping non-content elements."""
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            yield "end", node
            continue
        if local_name(node.tag) in _SKIPPED_TAGS:
            if node.tail and node is not root:
                yield "end", _tail_only(node)
            continue
        yield "start", node
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))


def _tail_only(node: Element) -> Element:
    carrier = Element("span")
    carrier.tail = node.tail
    return carrier
