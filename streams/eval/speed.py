"""Throughput of the whole enrichment (language, entities, topics, stance) on one process.

Stories: the first ``n`` BBC articles (``bbc-news/articles.jsonl``), enriched in batches of ``batch_size`` after
one warm-up batch; the language is left undeclared so detection runs too, as for a story without one.
The same stories then go through spaCy's complete ``en_core_web_sm`` pipeline (the issue's baseline) on the same
single thread, so the report carries a ratio measured in one run on one machine.
The enriched stories then go through the entity registry (route, then merge into records read from and written
back to their stored bytes, as the registry agent does), so its cost per story is measured on real entities too.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from streams.enrich.document import Document
from streams.registry import StoryIndex, apply_update, decode_record, encode_record, route

if TYPE_CHECKING:
    from schemas.models import Enrichment
    from streams.enrich.pipeline import Enricher

log = logging.getLogger(__name__)
BBC_FILE = Path("bbc-news") / "articles.jsonl"


def read_articles(path: Path, n: int) -> list[Document]:
    """The first ``n`` articles of a BBC JSONL file as documents (language undeclared)."""
    docs: list[Document] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if len(docs) >= n:
                break
            row = json.loads(line)
            docs.append(Document(str(row["id"]), row.get("headline", ""), row.get("body", "")))
    return docs


def measure_speed(
    data_dir: Path, enricher: Enricher, *, n: int = 300, batch_size: int = 16, warmup: int = 16
) -> dict[str, float]:
    """``speed.stories_per_s`` plus mean seconds per story of each stage; ``{}`` when the data is missing."""
    path = Path(data_dir) / BBC_FILE
    if not path.is_file():
        log.warning("speed: %s not found, skipping", path)
        return {}
    docs = read_articles(path, n)
    enricher.enrich_batch(docs[:warmup])
    stage_totals: dict[str, float] = {}
    errors = 0
    enriched: list[tuple[str, Enrichment]] = []
    t0 = time.perf_counter()
    for i in range(0, len(docs), batch_size):
        batch = docs[i : i + batch_size]
        for doc, result in zip(batch, enricher.enrich_batch(batch), strict=True):
            if isinstance(result, Exception):
                errors += 1
                continue
            enriched.append((doc.id, result))
            for stage, seconds in result.timings.items():
                stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
    elapsed = time.perf_counter() - t0
    report = {
        "speed.stories_per_s": len(docs) / elapsed if elapsed > 0 else 0.0,
        "speed.stories": float(len(docs)),
        "speed.mean_chars": sum(len(d.text) for d in docs) / max(1, len(docs)),
        "speed.errors": float(errors),
    }
    for stage, total in sorted(stage_totals.items()):
        report[f"speed.stage_s.{stage}"] = total / max(1, len(docs))
    if enriched:
        report["speed.registry_ms_per_story"] = registry_seconds(enriched) / len(enriched) * 1000
    baseline = spacy_baseline_rate(docs, batch_size=batch_size, warmup=warmup)
    if baseline:
        report["speed.baseline_spacy_sm_stories_per_s"] = baseline
        report["speed.ratio_vs_spacy_sm"] = report["speed.stories_per_s"] / baseline
    return report


def registry_seconds(enriched: list[tuple[str, Enrichment]]) -> float:
    """CPU seconds the entity registry spends on these stories: each one's event routed, and every record it touches
    decoded, merged and encoded again (records accumulate across the stories, as in the registry's table)."""
    events = [
        {"wirestream": {"event": "enriched", "story_id": story_id, "story_version": 1, "received_at": "2026-12-01T10:00:00Z",
                        "entities": [e.model_dump(mode="json") for e in result.entities]}}  # fmt: skip
        for story_id, result in enriched
    ]
    records: dict[str, bytes] = {}
    index: dict[str, StoryIndex] = {}
    start = time.process_time()
    for (story_id, _), ev in zip(enriched, events, strict=True):
        routing = route(ev, index.get(story_id))
        for update in routing.updates:
            record, _ = apply_update(decode_record(records.get(update["uri"])), update)
            if record is not None:
                records[update["uri"]] = encode_record(record)
        if routing.index is not None:
            index[story_id] = routing.index
    return time.process_time() - start


def spacy_baseline_rate(docs: list[Document], *, batch_size: int = 16, warmup: int = 16) -> float | None:
    """Stories/s of spaCy's full ``en_core_web_sm`` pipeline (all components) over ``docs`` on one thread."""
    try:
        import spacy
        from threadpoolctl import threadpool_limits  # type: ignore[import-not-found]

        from streams.enrich.entities import DEFAULT_MODEL
    except ImportError as exc:
        log.warning("speed: no spaCy baseline (%s)", exc)
        return None
    nlp = spacy.load(DEFAULT_MODEL)
    texts = [f"{d.headline}\n\n{d.body}" for d in docs]
    with threadpool_limits(1):
        list(nlp.pipe(texts[:warmup], batch_size=batch_size))
        t0 = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=batch_size):
            pass
        elapsed = time.perf_counter() - t0
    return len(texts) / elapsed if elapsed > 0 else None
