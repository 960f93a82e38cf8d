"""Prometheus metrics of the worker: the one place metric names are defined.

Names follow Prometheus conventions: ``wirestream_`` prefix, base units (seconds),
``_total`` counters. No story text or secrets ever become label values. Counters and histograms export no
``_created`` series (:func:`init_series` turns them off; no panel or alert uses them).
"""

from __future__ import annotations

import logging
import platform
import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, start_http_server

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_FRESHNESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)
_COUNT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)

BUILD_INFO = Gauge("wirestream_build_info", "Build of the running worker (value 1).", ["version", "python", "faust"], registry=REGISTRY)
MODEL_INFO = Gauge("wirestream_model_info", "Models loaded by the worker (value 1); `version` only when the model string has `name@version`.", ["stage", "model", "version"], registry=REGISTRY)

STORIES_CONSUMED = Counter("wirestream_stories_consumed", "Messages consumed from the raw topic, by detected input format.", ["format"], registry=REGISTRY)
STORIES_ENRICHED = Counter("wirestream_stories_enriched", "Stories enriched and published.", registry=REGISTRY)
STORIES_PUBLISHED = Counter("wirestream_stories_published", "Enriched stories published, by IPTC top-level topic slug (`none` if no topic).", ["topic"], registry=REGISTRY)
STORIES_WITHDRAWN = Counter("wirestream_stories_withdrawn", "Withdrawal events published for withdrawn/cancelled stories.", registry=REGISTRY)
MESSAGES_PRODUCED = Counter("wirestream_messages_produced", "Messages produced, by Kafka topic.", ["kafka_topic"], registry=REGISTRY)
DEAD_LETTERS = Counter("wirestream_dead_letters", "Messages sent to the dead-letter topic, by reason code and stage.", ["reason", "stage"], registry=REGISTRY)
ENRICH_ERRORS = Counter("wirestream_enrich_errors", "Enrichment failures, by stage.", ["stage"], registry=REGISTRY)
PUBLISH_RETRIES = Counter("wirestream_publish_retries", "Batches whose publishing failed and was retried.", registry=REGISTRY)

STAGE_SECONDS = Histogram("wirestream_stage_duration_seconds", "Seconds per story spent in each pipeline stage.", ["stage"], buckets=_LATENCY_BUCKETS, registry=REGISTRY)
BATCH_SIZE = Histogram("wirestream_batch_size", "Stories per enrichment batch.", buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=REGISTRY)
FRESHNESS = Histogram("wirestream_freshness_seconds", "Seconds from a story's arrival on the raw topic to its enriched event being acknowledged.", buckets=_FRESHNESS_BUCKETS, registry=REGISTRY)
ENTITIES_PER_STORY = Histogram("wirestream_entities_per_story", "Clustered entities per enriched story.", buckets=_COUNT_BUCKETS, registry=REGISTRY)
TOPICS_PER_STORY = Histogram("wirestream_topics_per_story", "IPTC topics per enriched story.", buckets=(0, 1, 2, 3, 4, 5, 8), registry=REGISTRY)
ENTITY_STANCE = Counter("wirestream_entity_stance", "Entity stances, by the story's top topic slug and polarity.", ["topic", "polarity"], registry=REGISTRY)
STORY_TONE = Counter("wirestream_story_tone", "Story tones, by the story's top topic slug and polarity.", ["topic", "polarity"], registry=REGISTRY)
IN_FLIGHT = Gauge("wirestream_in_flight_stories", "Messages taken from Kafka and not yet acknowledged.", registry=REGISTRY)

LAG_MESSAGES = Gauge("wirestream_consumer_lag_messages", "End offset minus committed offset of the raw topic, per partition.", ["topic", "partition"], registry=REGISTRY)
LAG_SECONDS = Gauge("wirestream_consumer_lag_seconds", "Age of the oldest unprocessed message per partition (0 without lag).", ["topic", "partition"], registry=REGISTRY)
COMMITTED_OFFSET = Gauge("wirestream_committed_offset", "Committed offset of the consumer group, per partition.", ["topic", "partition"], registry=REGISTRY)
END_OFFSET = Gauge("wirestream_end_offset", "End (high-water) offset, per partition.", ["topic", "partition"], registry=REGISTRY)
LAG_POLL_ERRORS = Counter("wirestream_lag_poll_errors", "Failed attempts to read offsets for the lag gauges.", registry=REGISTRY)

_server_lock = threading.Lock()
_server_started: set[tuple[str, int]] = set()


ENRICH_STAGES = ("entities", "topics", "stance", "timeout", "crash")


def init_series() -> None:
    """Create the zero-valued series of labelled counters whose labels are known up front.

    A counter series that appears only at its first increment makes ``rate()`` miss that first
    event and leaves dashboard panels empty ("no data") instead of showing zero. Also turns off the
    ``_created`` series (prometheus_client's :func:`disable_created_metrics`, process-wide).
    """
    disable_created_metrics()
    for stage in ENRICH_STAGES:
        ENRICH_ERRORS.labels(stage=stage)


def set_build_info(version: str, faust_version: str) -> None:
    """Publish the build info gauge."""
    BUILD_INFO.labels(version=version, python=platform.python_version(), faust=faust_version).set(1)


def model_labels(model: str) -> tuple[str, str]:
    """``(model, version)`` labels of a model string: ``"name@1.2"`` splits, anything else is the model alone."""
    name, _, version = model.partition("@")
    return name, version


def set_model_info(model_versions: dict[str, str]) -> None:
    """Publish one ``wirestream_model_info`` series per stage and log the models at info."""
    for stage, model in model_versions.items():
        name, version = model_labels(model)
        MODEL_INFO.labels(stage=stage, model=name, version=version).set(1)
    log.info("models: %s", ", ".join(f"{stage}={model}" for stage, model in model_versions.items()) or "none")


def count_dead_letter(reason: str, stage: str | None, source: str, message: str) -> None:
    """Count one dead letter and log it at debug with its reason (``source``: ``topic/partition@offset``)."""
    DEAD_LETTERS.labels(reason=reason, stage=stage or "none").inc()
    log.debug("dead letter %s (stage %s) from %s: %s", reason, stage or "none", source, message)


def _total(counter: Counter) -> float:
    return sum(s.value for metric in counter.collect() for s in metric.samples if s.name.endswith("_total"))


def _by_label(counter: Counter, label: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for metric in counter.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                key = sample.labels.get(label, "")
                out[key] = out.get(key, 0.0) + sample.value
    return out


class ActivityLog:
    """The worker's per-interval log line: stories consumed, enriched, withdrawn and dead-lettered by reason."""

    def __init__(self) -> None:
        self._last = self._snapshot()

    @staticmethod
    def _snapshot() -> dict[str, float]:
        snap = {
            "consumed": _total(STORIES_CONSUMED),
            "enriched": _total(STORIES_ENRICHED),
            "withdrawn": _total(STORIES_WITHDRAWN),
        }
        snap.update({f"dead:{reason}": n for reason, n in _by_label(DEAD_LETTERS, "reason").items()})
        return snap

    def report(self) -> str | None:
        """What changed since the last call, as one line; None when nothing happened."""
        now = self._snapshot()
        delta = {k: now[k] - self._last.get(k, 0.0) for k in now}
        self._last = now
        if not any(delta.values()):
            return None
        dead = {k.removeprefix("dead:"): int(v) for k, v in sorted(delta.items()) if k.startswith("dead:") and v}
        by_reason = f" ({', '.join(f'{k}={v}' for k, v in dead.items())})" if dead else ""
        return (f"activity: {int(delta['consumed'])} consumed, {int(delta['enriched'])} enriched, "
                f"{int(delta['withdrawn'])} withdrawn, {sum(dead.values())} dead-lettered{by_reason}")  # fmt: skip


def serve(host: str, port: int) -> bool:
    """Start the /metrics HTTP server in a daemon thread (once per address). Port 0 disables it.

    Raises ``OSError`` (``EADDRINUSE``) when the port is taken.
    """
    if port <= 0:
        return False
    disable_created_metrics()
    with _server_lock:
        if (host, port) in _server_started:
            return True
        start_http_server(port, addr=host, registry=REGISTRY)
        _server_started.add((host, port))
    return True


def observe_stage(stage: str, seconds: float, stories: int = 1) -> None:
    """Record ``seconds`` spent in ``stage`` for ``stories`` stories (one observation each)."""
    if stories <= 0:
        return
    per_story = seconds / stories
    hist = STAGE_SECONDS.labels(stage=stage)
    for _ in range(stories):
        hist.observe(per_story)


# ------------------------------------------------------------------------------------------------------------------
# Entity registry (issue 11 item 4: streams/registry_agent.py) and Faust table recovery
# (Faust's known recovery hangs, #651/#432/#176: progress is exported so a stuck recovery shows on a dashboard).

REGISTRY_UPDATES = Counter("wirestream_registry_updates", "Entity updates applied to the registry, by outcome (added, replaced, retracted, duplicate, stale, ignored).", ["outcome"], registry=REGISTRY)
REGISTRY_EVENTS = Counter("wirestream_registry_events", "wire.enriched events routed to the registry, by result (routed, stale).", ["result"], registry=REGISTRY)
REGISTRY_ENTITIES = Gauge("wirestream_registry_entities", "Entity records in this worker's partitions of the registry table.", registry=REGISTRY)
TABLE_RECOVERY_IN_PROGRESS = Gauge("wirestream_table_recovery_in_progress", "1 while this worker replays table changelogs before processing (Faust recovery).", registry=REGISTRY)
TABLE_RECOVERY_REMAINING = Gauge("wirestream_table_recovery_remaining_messages", "Changelog messages still to replay, per changelog topic, partition and kind (active, standby).", ["topic", "partition", "kind"], registry=REGISTRY)
TABLE_RECOVERY_SECONDS = Gauge("wirestream_table_recovery_seconds", "Seconds the current (while in progress) or the last table recovery took.", registry=REGISTRY)
TABLE_RECOVERIES = Counter("wirestream_table_recoveries", "Table recoveries completed by this worker.", registry=REGISTRY)

REGISTRY_OUTCOMES = ("added", "replaced", "retracted", "duplicate", "stale", "ignored")


def init_registry_series() -> None:
    """Zero-valued series of the registry's labelled counters (see :func:`init_series`)."""
    for outcome in REGISTRY_OUTCOMES:
        REGISTRY_UPDATES.labels(outcome=outcome)
    for result in ("routed", "stale"):
        REGISTRY_EVENTS.labels(result=result)


# ------------------------------------------------------------------------------------------------------------------
# Event clusters and near-duplicates (issue 15: streams/cluster_agent.py). Faust's table recovery progress is the
# wirestream_table_recovery_* block above; these add the clusterer's own rebuild and sizes.

CLUSTER_ASSIGNMENTS = Counter("wirestream_cluster_assignments", "Stories assigned to event clusters, by status (new, joined, duplicate, version, repeat).", ["status"], registry=REGISTRY)
CLUSTER_DUPLICATES = Counter("wirestream_cluster_duplicates", "Stories flagged as near-duplicates of an earlier story.", registry=REGISTRY)
CLUSTERS_OPEN = Gauge("wirestream_clusters_open", "Open event clusters held by this worker, by language.", ["language"], registry=REGISTRY)
CLUSTER_STORIES = Gauge("wirestream_cluster_index_stories", "Stories in this worker's near-duplicate index, by language.", ["language"], registry=REGISTRY)
CLUSTER_TABLE_ROWS = Gauge("wirestream_cluster_table_rows", "Rows of this worker's cluster tables (stories, clusters).", ["table"], registry=REGISTRY)
CLUSTER_EVICTED = Counter("wirestream_cluster_evicted", "Stories that left the index and clusters that closed (window or cap).", ["kind"], registry=REGISTRY)
CLUSTER_REBUILD_SECONDS = Gauge("wirestream_cluster_rebuild_seconds", "Seconds the last rebuild of a language's clusterer from its recovered table took.", ["language"], registry=REGISTRY)
CLUSTER_REBUILT_STORIES = Gauge("wirestream_cluster_rebuilt_stories", "Stories replayed into a language's clusterer at its last rebuild.", ["language"], registry=REGISTRY)
CLUSTER_SECONDS = Histogram("wirestream_cluster_duration_seconds", "Seconds per story spent clustering (features, duplicate check, assignment).", buckets=_LATENCY_BUCKETS, registry=REGISTRY)
CLUSTER_STATUSES = ("new", "joined", "duplicate", "version", "repeat")


def init_cluster_series() -> None:
    """Zero-valued series of the clusterer's labelled counters (see :func:`init_series`)."""
    for status in CLUSTER_STATUSES:
        CLUSTER_ASSIGNMENTS.labels(status=status)
    for kind in ("story", "cluster"):
        CLUSTER_EVICTED.labels(kind=kind)
