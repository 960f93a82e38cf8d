"""Labelled material for the topic model: HuffPost headlines, BBC articles, AllSides-labelled articles
(article-bias-prediction), the project's own examples and articles and the IPTC descriptions, each mapped to
top-level IPTC codes.

Evaluation-only sets (MasakhaNEWS, ``tests/data/topics``) are never read here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from streams.enrich.iptc import ALL_TOPICS

DATA = Path(__file__).parent / "data"
SEEDS_FILE = DATA / "topic_seeds.tsv"
EXAMPLES_FILE = DATA / "topic_examples.tsv"
ARTICLE_FILES = ("topic_articles_a.tsv", "topic_articles_b.tsv")

BBC_TO_IPTC = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}

# AllSides topics (article-bias-prediction) whose articles are mostly about one IPTC top-level topic. Topics that
# mix several (healthcare and immigration are mostly US politics, "environment" holds wildfires and tornadoes,
# "culture", "media_bias", "middle_east", "world") are left out; politics is capped in ``train_topics``.
ALLSIDES_TO_IPTC = {
    **dict.fromkeys(("coronavirus", "ebola", "opioid_crisis", "public_health", "fda"), "medtop:07000000"),
    **dict.fromkeys(("economy_and_jobs", "banking_and_finance", "business", "trade", "economic_policy"),
                    "medtop:04000000"),
    **dict.fromkeys(("technology", "cybersecurity", "science"), "medtop:13000000"),
    **dict.fromkeys(("terrorism", "isis"), "medtop:16000000"),
    **dict.fromkeys(("violence_in_america", "criminal_justice", "capital_punishment_and_death_penalty"),
                    "medtop:02000000"),
    **dict.fromkeys(("race_and_racism", "lgbt_rights", "women's_issues", "civil_rights", "housing_and_homelessness",
                     "inequality"), "medtop:14000000"),
    **dict.fromkeys(("elections", "us_senate", "us_house", "us_congress", "white_house", "republican_party",
                     "democratic_party", "impeachment", "campaign_finance", "voting_rights_and_voter_fraud"),
                    "medtop:11000000"),
    "education": "medtop:05000000",
    "labor": "medtop:09000000",
    "religion_and_faith": "medtop:12000000",
    "sports": "medtop:15000000",
    "disaster": "medtop:03000000",
    "arts_and_entertainment": "medtop:01000000",
    "epa": "medtop:06000000",
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


def allsides(data_dir: Path) -> list[Example]:
    """article-bias-prediction articles whose AllSides topic maps to one IPTC topic (``ALLSIDES_TO_IPTC``)."""
    path = data_dir / "article-bias-prediction" / "articles.jsonl"
    if not path.is_file():
        return []
    return [
        Example(str(r["ID"]), str(r["title"]), str(r["content_original"]), ALLSIDES_TO_IPTC[str(r["topic"])], "allsides")
        for r in _jsonl(path)
        if r.get("topic") in ALLSIDES_TO_IPTC and r.get("content_original")
    ]


def held_out(example: Example, share: int = 7) -> bool:
    """One in ``share`` of an unsplit set, by a hash of the headline (stable across runs and file edits)."""
    return int(hashlib.sha1(example.headline.encode("utf-8")).hexdigest(), 16) % share == 0


def split_held_out(
    examples: list[Example], held: Callable[[Example], bool] = held_out
) -> tuple[list[Example], list[Example]]:
    """(held out, for training) of ``examples`` by ``held``."""
    return [e for e in examples if held(e)], [e for e in examples if not held(e)]


def capped(examples: list[Example], code: str, limit: int, rng: random.Random) -> list[Example]:
    """``examples`` with at most ``limit`` (a seeded sample) of topic ``code``."""
    of_code = [e for e in examples if e.code == code]
    rng.shuffle(of_code)
    return [e for e in examples if e.code != code] + of_code[:limit]


def own_articles(files: tuple[str, ...] = ARTICLE_FILES) -> list[Example]:
    """Full-length stories written for wirestream (``training/data/topic_articles_*.tsv``: code, headline, body)."""
    return [
        Example(f"article-{name}-{e.id}", e.headline, e.body, e.code, "own-article")
        for name in files
        for e in own_examples(DATA / name)
    ]


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
