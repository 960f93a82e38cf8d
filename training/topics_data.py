"""Training and tuning material for the topic model: IPTC descriptions, hand-written seeds, weak labels, unlabeled news.

The BBC set is read in two ways kept apart on purpose: `bbc_unlabeled` (headline and body only, for self-training)
and `bbc_gold` (the mapped labels, for evaluation and tuning only; never for fitting).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from streams.enrich.document import Document
from streams.enrich.iptc import ALL_TOPICS

SEEDS_FILE = Path(__file__).parent / "data" / "topic_seeds.tsv"

BBC_TO_IPTC = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}

# AllSides topics of article-bias-prediction mapped to top-level IPTC topics (training/data/abp_topics_to_iptc.tsv).
# Topics that straddle several IPTC topics in that (US political) corpus are left out rather than guessed:
# immigration, media_bias, fake_news, general_news, gun control, the military, privacy, transportation, culture, ...
ABP_MAP_FILE = Path(__file__).parent / "data" / "abp_topics_to_iptc.tsv"


def _read_abp_map(path: Path = ABP_MAP_FILE) -> dict[str, str]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return {r[0]: r[1] for r in rows if r and r[0] and not r[0].startswith("#")}


ABP_TO_IPTC: dict[str, str] = _read_abp_map()


@dataclass(frozen=True, slots=True)
class LabeledText:
    """A text with one IPTC code (top-level or second-level) as its label."""

    text: str
    code: str


def description_texts() -> list[LabeledText]:
    """Names and descriptions of every topic in the IPTC table, each labeled with its own code."""
    out = []
    for topic in ALL_TOPICS:
        out.append(LabeledText(topic.name, topic.code))
        out.append(LabeledText(f"{topic.name}: {topic.description}", topic.code))
        out.append(LabeledText(topic.description, topic.code))
    return out


def seed_texts(path: Path = SEEDS_FILE) -> list[LabeledText]:
    """Hand-written example sentences per top-level topic (training/data/topic_seeds.tsv)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [LabeledText(r["text"], r["code"]) for r in csv.DictReader(handle, delimiter="\t")]


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def abp_documents(data_dir: Path) -> list[tuple[Document, str | None]]:
    """article-bias-prediction articles with their AllSides topic mapped to IPTC (None when unmapped)."""
    path = data_dir / "article-bias-prediction" / "articles.jsonl"
    if not path.exists():
        return []
    return [
        (Document(str(r["ID"]), str(r["title"]), str(r["content_original"]), "en"), ABP_TO_IPTC.get(str(r["topic"])))
        for r in _jsonl(path)
    ]


def bbc_unlabeled(data_dir: Path) -> list[Document]:
    """BBC headlines and bodies WITHOUT their labels (unlabeled news text for self-training)."""
    path = data_dir / "bbc-news" / "articles.jsonl"
    if not path.exists():
        return []
    return [Document(str(r["id"]), str(r["headline"]), str(r["body"]), "en") for r in _jsonl(path)]


def bbc_gold(data_dir: Path) -> dict[str, str]:
    """BBC id -> mapped IPTC code, for evaluation and tuning only."""
    path = data_dir / "bbc-news" / "articles.jsonl"
    if not path.exists():
        return {}
    return {str(r["id"]): BBC_TO_IPTC[str(r["category"])] for r in _jsonl(path)}


def paragraphs(doc: Document, limit: int = 12) -> list[str]:
    """Headline plus the first ``limit`` non-empty body paragraphs."""
    paras = [p.strip() for p in doc.body.split("\n") if p.strip()]
    return ([doc.headline] if doc.headline else []) + paras[:limit]
