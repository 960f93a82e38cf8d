"""The entity registry under ``kill -9`` (``make faults ARGS="--only registry_kill9"``).

Known stories flow while the worker (with its enrichment child) is killed with SIGKILL at random points, and
restarted each time. Once every story is enriched, the registry's records on ``wire.entities`` must equal what the
enriched events say, computed independently here: per entity uri, the number of distinct stories naming it and the
sum of their mentions. ``lost`` and ``doubled`` count story units missing or in excess over all entities; both
must be 0. Re-delivered enriched events (the same story published twice around a kill) must carry the same entity
ids as the first delivery ("ids unchanged"); a replay of some stories at the end forces such re-deliveries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from faults.cases import Case, as_outgoing, kill_mid_stream
from faults.stories import valid_stories
from streams.cli.entities import read_records
from streams.cli.harness import free_port
from streams.registry.merge import Record
from streams.registry.route import contributions


@dataclass
class RegistrySizes:
    """How big the case is (about 2 minutes on 2 cores)."""

    stories: int = 150
    kills: int = 2
    replayed: int = 30  # stories pushed a second time at the end (a producer replay)
    push_s: float = 40.0
    settle_s: float = 120.0
    case_timeout_s: float = 420.0


def expected_counts(enriched: list[tuple[bytes | None, dict[str, Any]]]) -> tuple[dict[str, tuple[int, int]], int]:
    """(stories, mentions) per entity uri from the enriched events (latest version per story; duplicates once),
    and how many re-delivered events named other entity ids than the story's first delivery."""
    first: dict[str, tuple[int, frozenset[tuple[str, str]]]] = {}
    latest: dict[str, dict[str, Any]] = {}
    changed_ids = 0
    for _key, doc in enriched:
        ext = doc.get("wirestream") or {}
        story_id, version = str(ext.get("story_id")), int(ext.get("story_version") or 1)
        ids = frozenset((str(e.get("name")), str(e.get("uri"))) for e in ext.get("entities") or [])
        if story_id in first and first[story_id][0] == version and first[story_id][1] != ids:
            changed_ids += 1
        first.setdefault(story_id, (version, ids))
        if story_id not in latest or int(latest[story_id]["story_version"]) <= version:
            latest[story_id] = ext
    counts: dict[str, tuple[int, int]] = {}
    for story_id, ext in latest.items():
        if ext.get("event") == "withdrawn":
            continue
        for update in contributions(ext.get("entities") or [], story_id, int(ext["story_version"]), ""):
            stories, mentions = counts.get(update["uri"], (0, 0))
            counts[update["uri"]] = (stories + 1, mentions + update.get("mentions", 0))
    return counts, changed_ids


def compare(expected: dict[str, tuple[int, int]], records: dict[str, Record]) -> dict[str, int]:
    """``lost``/``doubled`` story units, ``mentions_off`` (entities whose mention sum differs), ``missing``/``extra``
    records and ``repeated`` story ids inside one record's window."""
    out = {"entities": len(expected), "records": len(records), "lost": 0, "doubled": 0, "mentions_off": 0, "missing": 0, "extra": 0, "repeated": 0}
    for uri, (stories, mentions) in expected.items():
        record = records.get(uri)
        got = (record["story_count"], record["mention_count"]) if record else (0, 0)
        out["missing"] += record is None
        out["lost"] += max(stories - got[0], 0)
        out["doubled"] += max(got[0] - stories, 0)
        out["mentions_off"] += got[1] != mentions
    for uri, record in records.items():
        out["extra"] += uri not in expected and record["story_count"] > 0
        ids = [s["story_id"] for s in record["stories"]]
        out["repeated"] += len(ids) - len(set(ids))
    return out


def registry_killed(rng: random.Random, sizes: RegistrySizes | None = None) -> Callable[[Case], None]:
    """kill -9 the state worker (the registry's) at random points while stories flow; the registry must end exact.

    An enrich worker runs beside it all along: the registry lives in the ``state`` role (its own consumer group).
    """
    sizes = sizes or RegistrySizes()

    def body(case: Case) -> None:
        stories = as_outgoing(valid_stories(sizes.stories, tag=f"registry{rng.random():.6f}"))
        case.start("enrich")
        case.start("state", role="state", metrics_port=free_port())
        case.pusher.pace(stories, rate_per_s=max(sizes.stories / sizes.push_s, 2.0))
        kills = kill_mid_stream(case, rng, sizes.kills, restart=lambda: case.start("state-after-kill", role="state", metrics_port=free_port()))
        case.pusher.join()
        case.details["kills_at_enriched"] = kills
        case.wait(sizes.case_timeout_s)
        # a producer replay on top: the same stories (ids, versions) again must count nothing and keep their ids
        case.pusher.push(stories[: sizes.replayed])
        case.wait(sizes.case_timeout_s)
        while case.reader.poll(1.0):
            pass
        expected, changed_ids = expected_counts(case.reader.outputs.enriched)
        deadline = time.monotonic() + sizes.settle_s
        while True:  # the registry trails enrichment by a batch or two
            result = compare(expected, read_records(case.settings))
            if (result["lost"] == result["doubled"] == result["missing"] == 0) or time.monotonic() > deadline:
                break
            time.sleep(2.0)
        case.details["registry"] = result
        page = case.current.metrics() if case.current is not None else None
        if page:
            case.details["last_worker_updates"] = {k: int(v) for k, v in page.by_label("wirestream_registry_updates_total", "outcome").items() if v}
        case.details["redelivered_events"] = len(case.reader.outputs.enriched) - len({k for k, _ in case.reader.outputs.enriched})
        case.checks["registry has every entity"] = result["missing"] == 0 and result["entities"] > 0
        case.checks["registry counts exact (no story lost or doubled)"] = result["lost"] == 0 and result["doubled"] == 0
        case.checks["registry mention sums exact"] = result["mentions_off"] == 0 and result["repeated"] == 0 and result["extra"] == 0
        case.checks["entity ids unchanged across re-deliveries"] = changed_ids == 0

    return body
