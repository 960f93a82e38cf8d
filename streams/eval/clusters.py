"""Event clusters and near-duplicates on a labelled set laid out like ``tests/data/clusters``.

Layout: ``stories.jsonl``, one story a line: ``id``, ``event`` (the gold event label; null for a story of its own),
``time`` (ISO 8601), ``source``, ``headline``, ``body`` (paragraphs separated by blank lines). The stories are
enriched with the worker's stages (``language,entities,linking,topics``), streamed through the clusterer in time
order, and scored with B-cubed precision/recall/F1 against the events.

Near-duplicates are made at run time by wire-style edits of every story (and, when ``bbc-news/articles.jsonl`` is
under the data folder, of its first articles; nothing generated is written anywhere): a new headline, trimmed
paragraphs, reordered paragraphs, an added dateline, a write-through (a new lead paragraph, a cut ending). Each edit
arrives 10 to 240 minutes after its original, under a new story id; a flag is right when it points into the same
family (the original or another edit of it). Report keys: ``clusters.bcubed_f1`` (``_precision``, ``_recall``),
``clusters.duplicates.precision``, ``clusters.duplicates.recall``, ``clusters.ms_per_story``.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from streams.clusters.clusterer import ClusterConfig, EventClusterer
from streams.clusters.features import StoryFeatures, build_features
from streams.clusters.vectors import decode_embedding

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "clusters"
STORIES_FILE = "stories.jsonl"
BBC_FILE = Path("bbc-news") / "articles.jsonl"
STAGES = ("language", "entities", "linking", "topics")


@dataclass
class LabelledStory:
    id: str
    event: str | None
    at: float
    source: str
    headline: str
    body: str


def read_stories(folder: Path) -> list[LabelledStory]:
    """The labelled stories of ``folder/stories.jsonl`` in time order."""
    out = []
    with (Path(folder) / STORIES_FILE).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                at = datetime.fromisoformat(str(r["time"]).replace("Z", "+00:00")).timestamp()
                out.append(
                    LabelledStory(
                        str(r["id"]), r.get("event"), at, str(r["source"]), str(r["headline"]), str(r["body"])
                    )
                )
    return sorted(out, key=lambda s: (s.at, s.id))


def bcubed(gold: dict[str, str], pred: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of ``pred`` (item -> cluster) against ``gold`` (item -> class)."""
    by_gold: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for item, g in gold.items():
        by_gold[g].add(item)
        by_pred[pred[item]].add(item)
    p = r = 0.0
    for item in gold:
        same_pred, same_gold = by_pred[pred[item]], by_gold[gold[item]]
        both = len(same_pred & same_gold)
        p += both / len(same_pred)
        r += both / len(same_gold)
    n = max(len(gold), 1)
    p, r = p / n, r / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def wire_edits(story: LabelledStory, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, headline, body) of five wire-style edits of ``story``."""
    paras = _paragraphs(story.body)
    words = story.headline.split()
    new_headline = "UPDATE 1-" + " ".join(words[len(words) // 2 :] + words[: len(words) // 2])
    if len(paras) >= 4:
        keep = max(2, int(len(paras) * 0.7))
        trimmed = paras[:keep]
    else:
        sents = _sentences(paras[-1])
        trimmed = paras[:-1] + ([" ".join(sents[:-1])] if len(sents) > 1 else [])
    reordered = [paras[0], *paras[:0:-1]] if len(paras) > 2 else list(reversed(paras))
    place = story.source.upper()
    dateline = f"{place}, {datetime.fromtimestamp(story.at).strftime('%B %d')} - " + story.body
    lead = f"The {story.source} desk adds details and reaction from officials in later paragraphs, {rng.choice(['updating', 'expanding', 'correcting'])} an earlier version."
    last = _sentences(paras[-1])
    through = [lead, *paras[:-1], " ".join(last[:-1]) if len(last) > 1 else paras[-1]]
    return [
        ("headline", new_headline, story.body),
        ("trim", story.headline, "\n\n".join(trimmed)),
        ("reorder", story.headline, "\n\n".join(reordered)),
        ("dateline", story.headline, dateline),
        ("write-through", new_headline, "\n\n".join(through)),
    ]


def _enrich(stories: Sequence[LabelledStory], enricher: Any) -> list[Any]:
    from streams.enrich.document import Document

    docs = [Document(s.id, s.headline, s.body, "en") for s in stories]
    out: list[Any] = []
    for k in range(0, len(docs), 16):
        out.extend(None if isinstance(e, Exception) else e for e in enricher.enrich_batch(docs[k : k + 16]))
    return out


def _features(s: LabelledStory, state: Any, *, headline: str | None = None, body: str | None = None,
              sid: str | None = None, at: float | None = None) -> StoryFeatures:  # fmt: skip
    emb = decode_embedding(state.embedding) if state is not None else None  # the compact form the agent sees
    return build_features(
        story_id=sid or s.id, version=1, at=at if at is not None else s.at, headline=headline if headline is not None else s.headline,
        body=body if body is not None else s.body, entities=list(state.entities) if state is not None else [],
        embedding=emb, language="en", source=s.source, topics=[t.slug for t in state.topics if t.level == 1] if state is not None else [],
    )  # fmt: skip


def score_clusters(
    stories: Sequence[LabelledStory], feats: Sequence[StoryFeatures], config: ClusterConfig | None = None
) -> dict[str, float]:
    """B-cubed of one pass of the clusterer over ``feats`` (in order) and its time per story."""
    clusterer = EventClusterer(config)
    pred: dict[str, str] = {}
    t0 = time.perf_counter()
    for f in feats:
        pred[f.story_id] = clusterer.observe(f).cluster_id
    ms = (time.perf_counter() - t0) * 1000 / max(len(feats), 1)
    gold = {s.id: s.event or f"single:{s.id}" for s in stories}
    p, r, f1 = bcubed(gold, pred)
    return {"clusters.bcubed_precision": p, "clusters.bcubed_recall": r, "clusters.bcubed_f1": f1,
            "clusters.ms_per_story": ms, "clusters.stories": float(len(stories)),
            "clusters.events": float(len({s.event for s in stories if s.event})),
            "clusters.predicted": float(len(set(pred.values())))}  # fmt: skip


def _source_families(stories: Sequence[LabelledStory], min_jaccard: float = 0.5) -> dict[str, str]:
    """Originals that already are near-duplicates of each other (exact shingle Jaccard) form one family."""
    from streams.clusters.text import shingle_hashes

    sets = [(s.id, set(shingle_hashes(s.body))) for s in stories]
    root = {sid: sid for sid, _ in sets}

    def find(x: str) -> str:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for i, (a, sa) in enumerate(sets):
        for b, sb in sets[i + 1 :]:
            small, big = sorted((len(sa), len(sb)))
            if big and small / big >= min_jaccard and len(sa & sb) / len(sa | sb) >= min_jaccard:
                root[find(b)] = find(a)
    return {sid: find(sid) for sid, _ in sets}


def score_duplicates(
    originals: Sequence[tuple[LabelledStory, Any]], config: ClusterConfig | None = None, seed: int = 15
) -> dict[str, float]:
    """Precision/recall of ``duplicate_of`` over the originals and their wire-style edits, per edit kind too."""
    rng = random.Random(seed)
    family: dict[str, str] = _source_families([s for s, _ in originals])
    stream: list[tuple[StoryFeatures, str | None]] = []
    for s, state in originals:
        stream.append((_features(s, state), None))
        for k, (kind, headline, body) in enumerate(wire_edits(s, rng)):
            sid = f"{s.id}~{kind}"
            family[sid] = family[s.id]
            stream.append(
                (
                    _features(
                        s, state, headline=headline, body=body, sid=sid, at=s.at + 600 * (k + 1) + rng.randint(0, 3600)
                    ),
                    kind,
                )
            )
    stream.sort(key=lambda x: (x[0].at, x[0].story_id))
    clusterer = EventClusterer(config)
    flagged = correct = 0
    found: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for f, edit in stream:
        a = clusterer.observe(f)
        if edit is not None:
            total[edit] += 1
        if a.duplicate_of is None:
            continue
        flagged += 1
        right = family[a.duplicate_of.story_id] == family[f.story_id]
        correct += right
        if edit is not None and right:
            found[edit] += 1
    edits = sum(total.values())
    out = {
        "clusters.duplicates.precision": correct / flagged if flagged else 0.0,
        "clusters.duplicates.recall": sum(found.values()) / edits if edits else 0.0,
        "clusters.duplicates.flagged": float(flagged),
        "clusters.duplicates.edits": float(edits),
        "clusters.duplicates.originals": float(len(originals)),
    }
    out.update({f"clusters.duplicates.recall.{k}": found[k] / total[k] for k in sorted(total)})
    return out


def _bbc(data_dir: Path, n: int) -> list[LabelledStory]:
    path = Path(data_dir) / BBC_FILE
    if not path.is_file():
        return []
    out = []
    base = datetime(2026, 3, 2).timestamp()
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= n:
                break
            r = json.loads(line)
            out.append(LabelledStory(f"bbc:{r['id']}", None, base + 97 * i, "bbc", str(r["headline"]), str(r["body"])))
    return out


def evaluate_clusters(data_dir: Path, enricher: Any, limit: int | None = None, predictions_dir: Path | None = None,
                      config: ClusterConfig | None = None) -> dict[str, float]:  # fmt: skip
    """Score the clusterer on ``data_dir/clusters`` if it exists, else on the shipped set; see the module docstring."""
    folder = Path(data_dir) / "clusters" if (Path(data_dir) / "clusters" / STORIES_FILE).is_file() else SHIPPED_DIR
    stories = read_stories(folder)[: limit or None]
    states = _enrich(stories, enricher)
    feats = [_features(s, st) for s, st in zip(stories, states, strict=True)]
    report = score_clusters(stories, feats, config)
    bbc = _bbc(data_dir, min(limit or 300, 300))
    originals: list[tuple[LabelledStory, Any]] = [*zip(stories, states, strict=True), *((b, None) for b in bbc)]
    report.update(score_duplicates(originals, config))
    report["clusters.duplicates.shared_articles"] = float(len(bbc))
    if predictions_dir is not None:
        predictions_dir.mkdir(parents=True, exist_ok=True)
        clusterer = EventClusterer(config)
        with (predictions_dir / "clusters.jsonl").open("w", encoding="utf-8") as fh:
            for s, f in zip(stories, feats, strict=True):
                a = clusterer.observe(f)
                fh.write(
                    json.dumps(
                        {
                            "id": s.id,
                            "event": s.event,
                            "cluster": a.cluster_id,
                            "status": a.status,
                            "similarity": a.similarity,
                        }
                    )
                    + "\n"
                )
    return report
