"""``wirestream clusters``: latest record per cluster, tombstones and closed ones dropped, largest first."""

from __future__ import annotations

import orjson

from streams.cli.clusters import format_clusters, latest_clusters


def rec(cid: str, size: int, status: str = "open") -> bytes:
    return orjson.dumps({"cluster_id": cid, "status": status, "size": size, "duplicates": 1, "language": "en",
                         "headline": f"H {cid}", "sources": ["northwire", "coastpress"], "last_seen": "2026-03-02T10:00:00Z",
                         "top_entities": [{"name": "Porto"}]})  # fmt: skip


def test_latest_open_clusters_largest_first() -> None:
    found = latest_clusters([(b"a", rec("a", 1)), (b"b", rec("b", 2)), (b"a", rec("a", 3)), (b"c", rec("c", 5)),
                             (b"c", None), (b"b", rec("b", 2, "closed"))])  # fmt: skip
    assert list(found) == ["a"]
    found = latest_clusters([(b"a", rec("a", 1)), (b"b", rec("b", 4))])
    lines = format_clusters(found, top=1)
    assert lines[0].startswith("b  4 stories (1 duplicate)  en  H b")
    assert "northwire, coastpress" in lines[1] and "Porto" in lines[1]
