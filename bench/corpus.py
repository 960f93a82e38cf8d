"""Benchmark stories: realistic wire copy cut to a target length, each a ninjs 3.0 message with its own uri.

Text comes from ``../shared/data/bbc-news/articles.jsonl`` when present (kept in memory, never written into the
repo), else from the English stories under ``seeds/``. A story of ``words`` words is built from one source story
and, when that is too short, continued with the paragraphs of the following ones, so every copy differs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from streams.enrich.document import Document
from streams.ingest import IngestError, parse_message

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
BBC = REPO.parent / "shared" / "data" / "bbc-news" / "articles.jsonl"


@dataclass(frozen=True, slots=True)
class SourceText:
    """A headline and its body paragraphs."""

    headline: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BenchStory:
    """One benchmark story: its id, its raw message bytes and the document the enrichment library sees."""

    id: str
    value: bytes
    words: int

    def document(self) -> Document:
        """The document the worker would enrich for this message (parsed exactly as the worker parses it)."""
        story = parse_message(self.value, received_at=datetime.now(UTC))
        return Document.of_story(story)


def _paragraphs(body: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in body.split("\n\n") if len(p.split()) >= 5)


def load_bbc(path: Path = BBC) -> list[SourceText]:
    """BBC articles as source texts ([] when the data set is absent)."""
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            paras = _paragraphs(row.get("body", ""))
            if row.get("headline") and paras:
                out.append(SourceText(row["headline"].strip(), paras))
    return out


def load_seeds(folder: Path = SEEDS) -> list[SourceText]:
    """The project's English, usable seed stories as source texts."""
    out = []
    for path in sorted(folder.glob("*")):
        if not path.is_file() or path.suffix == ".md":
            continue
        try:
            story = parse_message(path.read_bytes(), received_at=datetime.now(UTC))
        except IngestError:
            continue
        if story.withdrawn or not (story.language or "").startswith("en"):
            continue
        paras = _paragraphs(story.body)
        if story.headline and paras:
            out.append(SourceText(story.headline, paras))
    return out


def load_sources() -> tuple[str, list[SourceText]]:
    """The best available source texts and their name ("bbc-news" or "seeds")."""
    bbc = load_bbc()
    return ("bbc-news", bbc) if bbc else ("seeds", load_seeds())


def compose_body(sources: Sequence[SourceText], start: int, words: int) -> str:
    """Paragraphs from ``sources[start]`` onwards (wrapping around) until about ``words`` words.

    The last paragraph is cut at a sentence end when it would overshoot by more than half of itself.
    """
    if not sources:
        raise ValueError("no source texts")
    paras: list[str] = []
    total = 0
    i = start
    while total < words:
        for para in sources[i % len(sources)].paragraphs:
            n = len(para.split())
            if total + n > words and total + n - words > n // 2:
                para = _cut(para, words - total)
                n = len(para.split())
            paras.append(para)
            total += n
            if total >= words:
                break
        i += 1
        if i - start > len(sources) * 50:  # sources without usable text: stop rather than loop forever
            break
    return "\n\n".join(paras)


def _cut(paragraph: str, words: int) -> str:
    """The first sentences of ``paragraph`` covering at least ``words`` words (at least one sentence)."""
    kept: list[str] = []
    count = 0
    for sentence in paragraph.replace(". ", ".\x00").split("\x00"):
        kept.append(sentence)
        count += len(sentence.split())
        if count >= words:
            break
    return " ".join(kept)


def ninjs_message(uri: str, headline: str, body: str, *, first_created: str | None = None) -> bytes:
    """A minimal ninjs 3.0 text item in English (also the fault cases' ninjs stories)."""
    item: dict[str, object] = {
        "uri": uri,
        "standard": {"name": "ninjs", "version": "3.0"},
        "type": "text",
        "version": "1",
        "pubStatus": "usable",
        "language": "en",
        "headlines": [{"value": headline, "role": "main"}],
        "bodies": [{"value": body, "role": "main", "contentType": "text/plain"}],
    }
    if first_created:
        item["firstCreated"] = first_created
    return orjson.dumps(item)


def make_corpus(
    sources: Sequence[SourceText], *, count: int, words: int, tag: str, offset: int = 0
) -> list[BenchStory]:
    """``count`` stories of about ``words`` words with ids ``urn:wirestream:bench:<tag>:<n>`` (unique per tag)."""
    out = []
    for n in range(count):
        start = (offset + n * 97) % len(sources)  # a stride that spreads picks over the whole source list
        body = compose_body(sources, start, words)
        uri = f"urn:wirestream:bench:{tag}:{n}"
        out.append(BenchStory(uri, ninjs_message(uri, sources[start].headline, body), len(body.split())))
    return out


def mixed_corpus(sources: Sequence[SourceText], *, count: int, short: int, long: int, tag: str) -> list[BenchStory]:
    """Short and long stories alternating (the corpus every mode runs on)."""
    half = (count + 1) // 2
    shorts = make_corpus(sources, count=half, words=short, tag=f"{tag}-s")
    longs = make_corpus(sources, count=count - half, words=long, tag=f"{tag}-l", offset=3)
    mixed = [s for pair in zip(shorts, longs, strict=False) for s in pair]
    return mixed + shorts[len(longs) :]
