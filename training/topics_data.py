"""Labelled material for the topic model: HuffPost headlines, BBC articles, the project's own examples and the IPTC
descriptions, each mapped to top-level IPTC codes.

Evaluation-only sets (MasakhaNEWS, ``tests/data/topics``) are never read here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from streams.enrich.iptc import ALL_TOPICS

DATA = Path(__file__).parent / "data"
SEEDS_FILE = DATA / "topic_seeds.tsv"
EXAMPLES_FILE = DATA / "topic_examples.tsv"

BBC_TO_IPTC = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled story (headline and/or body) with its top-level IPTC code and where it came from."""

    id: str
    headline: str
    body: str
    code: str
    source: str


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def huffpost(data_dir: Path, split: str = "train") -> list[Example]:
    """HuffPost headlines of ``split`` whose category maps to an IPTC topic (world/US news are left out)."""
    path = data_dir / "huffpost" / f"{split}.jsonl"
    if not path.is_file():
        return []
    return [
        Example(str(r["id"]), str(r["headline"]), str(r.get("description") or ""), str(r["iptc"]), "huffpost")
        for r in _jsonl(path)
        if r.get("iptc")
    ]


def bbc(data_dir: Path) -> list[Example]:
    """BBC News articles with their category mapped to IPTC."""
    path = data_dir / "bbc-news" / "articles.jsonl"
    if not path.is_file():
        return []
    return [
        Example(str(r["id"]), str(r["headline"]), str(r["body"]), BBC_TO_IPTC[str(r["category"])], "bbc")
        for r in _jsonl(path)
    ]


def bbc_held_out(example_id: str) -> bool:
    """BBC articles kept out of training for calibration and reporting: numbers ending in 1 (``<class>/NN1``; the held-back test split took the multiples of 5)."""
    return int(example_id.rsplit("/", 1)[-1]) % 10 == 1


def own_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    """Short stories written for wirestream (``training/data/topic_examples.tsv``: code, headline, body)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Example(f"own-{i}", r["headline"], r["body"], r["code"], "own") for i, r in enumerate(rows)]


def seed_sentences(path: Path = SEEDS_FILE) -> list[Example]:
    """Hand-written example sentences per top-level topic (``training/data/topic_seeds.tsv``: code, text)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Example(f"seed-{i}", "", r["text"], r["code"], "seed") for i, r in enumerate(rows)]


def description_texts() -> list[tuple[str, str]]:
    """(text, code) for the name and description of every topic in the IPTC table (both levels)."""
    out = []
    for topic in ALL_TOPICS:
        out += [(topic.name, topic.code), (f"{topic.name}: {topic.description}", topic.code)]
        out.append((topic.description, topic.code))
    return out
