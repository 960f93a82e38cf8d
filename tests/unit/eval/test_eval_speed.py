"""The speed task reads BBC-shaped articles and times the registry on the enriched entities (streams.eval.speed)."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.models import Enrichment, Entity, Mention
from streams.eval.speed import read_articles, registry_seconds


def _entity(eid: str, name: str, type_: str = "PERSON") -> Entity:
    return Entity(id=eid, name=name, type=type_, salience=0.2, mentions=[Mention(text=name, start=0, end=len(name), sentence=0)])  # type: ignore[arg-type]


def test_read_articles_takes_the_first_n(tmp_path: Path) -> None:
    rows = [{"id": i, "headline": f"H{i}", "body": f"Body {i}."} for i in range(5)]
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    docs = read_articles(path, 3)
    assert [d.id for d in docs] == ["0", "1", "2"] and docs[1].headline == "H1"


def test_registry_seconds_is_cpu_time_of_real_merges() -> None:
    enriched = [(f"s{i}", Enrichment(entities=[_entity("e1", "Ana Ruiz"), _entity("e2", "Lakeport", "GPE")])) for i in range(200)]
    # 400 merges into two records with ever longer histories cost measurable time, far more than doing nothing
    assert registry_seconds(enriched) > 10 * registry_seconds([])
