"""``wirestream clusters [--top N]``: the largest open event clusters, with their headlines and sources.

Reads the compacted ``wire.clusters`` topic from its beginning (no consumer group, nothing committed), keeps the
latest record of each cluster (a tombstone removes a closed one) and prints the ``top`` largest::

    cl-3f2a9c1d0b7e4a55  4 stories (1 duplicate)  en  Footbridge collapses over Douro river in Porto, three injured
        sources: northwire, coastpress, metroline  entities: Porto, Helena Correia, Douro
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from streams.config import Settings
from streams.topics import Topics


def latest_clusters(messages: Iterable[tuple[bytes | None, bytes | None]]) -> dict[str, dict[str, Any]]:
    """The latest open record per cluster id of ``(key, value)`` messages in log order."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in messages:
        if key is None:
            continue
        cid = key.decode("utf-8", "replace")
        if not value:
            out.pop(cid, None)
            continue
        rec = orjson.loads(value)
        if rec.get("status") == "open":
            out[cid] = rec
        else:
            out.pop(cid, None)
    return out


def format_clusters(clusters: dict[str, dict[str, Any]], top: int = 10) -> list[str]:
    """Two lines per cluster, largest first (ties: most recent first)."""
    ranked = sorted(clusters.values(), key=lambda r: (-int(r["size"]), str(r["last_seen"])), reverse=False)[:top]
    lines = []
    for r in ranked:
        dup = f" ({r['duplicates']} duplicate{'s' if r['duplicates'] != 1 else ''})" if r.get("duplicates") else ""
        lines.append(
            f"{r['cluster_id']}  {r['size']} stor{'ies' if r['size'] != 1 else 'y'}{dup}  {r.get('language', '?')}  {r['headline']}"
        )
        ents = ", ".join(e["name"] for e in r.get("top_entities", [])[:4])
        lines.append(f"    sources: {', '.join(r.get('sources', []))}" + (f"  entities: {ents}" if ents else ""))
    return lines


def read_clusters(settings: Settings, *, timeout_s: float = 5.0) -> dict[str, dict[str, Any]]:
    """Every open cluster on ``wire.clusters`` (reads to the end offsets as they were when it started)."""
    from kafka import KafkaConsumer, TopicPartition

    topic = Topics.of(settings).clustering()[0]
    consumer = KafkaConsumer(
        enable_auto_commit=False, consumer_timeout_ms=int(timeout_s * 1000), **settings.kafka_client_config()
    )
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return {}
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        pending = {tp for tp in tps if end[tp] > 0}
        msgs: list[tuple[bytes | None, bytes | None]] = []
        while pending:
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
            if not batch:
                break
            for tp, records in batch.items():
                msgs.extend((r.key, r.value) for r in records)
                if consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
        return latest_clusters(msgs)
    finally:
        consumer.close()


def clusters_command(settings: Settings, top: int = 10) -> int:
    """What ``wirestream clusters --top N`` runs: print the ``top`` largest open clusters; returns the exit code."""
    import click

    found = read_clusters(settings)
    if not found:
        click.echo(f"no open clusters on {Topics.of(settings).clustering()[0]}")
        return 0
    for line in format_clusters(found, top):
        click.echo(line)
    return 0
