"""Generate the wirestream Grafana dashboard from Python (grafana-foundation-sdk).

Run ``python -m deploy.grafana.build`` (or ``make dashboards``) after editing the panels below; it rewrites
``deploy/grafana/dashboards/wirestream.json`` deterministically (sorted keys, fixed ids, trailing newline).
``--check`` exits 1 instead of writing when the committed JSON is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grafana_foundation_sdk.builders import bargauge, dashboard, heatmap, prometheus, stat, table, timeseries
from grafana_foundation_sdk.builders.common import StackingConfig
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import StackingMode
from grafana_foundation_sdk.models.dashboard import DashboardCursorSync, DataSourceRef
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

DASHBOARD_PATH = Path(__file__).resolve().parent / "dashboards" / "wirestream.json"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="wirestream-prometheus")  # provisioning/datasources
RATE = "$__rate_interval"  # Grafana macros, replaced by `for_prometheus` when a query is sent to Prometheus directly
RANGE = "$__range"

PanelKind = Literal["timeseries", "heatmap", "table", "bargauge", "stat"]
PanelBuilder = timeseries.Panel | heatmap.Panel | table.Panel | bargauge.Panel | stat.Panel


@dataclass(frozen=True, slots=True)
class Query:
    """One PromQL target of a panel; ``legend`` uses Grafana's ``{{label}}`` syntax."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True, slots=True)
class PanelSpec:
    """What one panel shows; the layout is computed from the order and ``width`` (grid of 24)."""

    title: str
    kind: PanelKind
    queries: tuple[Query, ...]
    description: str
    unit: str = "short"
    width: int = 12
    stacked: bool = False


def _quantiles(metric: str, by: str, qs: Sequence[float], legend_prefix: str = "") -> tuple[Query, ...]:
    grouping = f"le, {by}" if by else "le"
    return tuple(
        Query(
            f"histogram_quantile({q}, sum by ({grouping}) (rate({metric}_bucket[{RATE}])))",
            f"{legend_prefix}p{round(q * 100)}",
        )
        for q in qs
    )


def _mean(metric: str) -> Query:
    return Query(f"sum(rate({metric}_sum[{RATE}])) / sum(rate({metric}_count[{RATE}]))", "mean")


ROWS: tuple[tuple[str, tuple[PanelSpec, ...]], ...] = (
    (
        "Overview",
        (
            PanelSpec(
                "Workers up", "stat", (Query('sum(up{job="wirestream"})', "workers"),),
                "Workers Prometheus scrapes successfully.", width=4,
            ),
            PanelSpec(
                "Stories in flight", "stat", (Query("sum(wirestream_in_flight_stories)", "in flight"),),
                "Stories consumed and not yet committed, all workers.", width=4,
            ),
            PanelSpec(
                "Build", "table", (Query("wirestream_build_info", instant=True),),
                "wirestream, Python and faust versions of each worker.", width=8,
            ),
            PanelSpec(
                "Models", "table", (Query("wirestream_model_info", instant=True),),
                "Model name and version of each enrichment stage.", width=8,
            ),
        ),
    ),
    (
        "Throughput",
        (
            PanelSpec(
                "Stories in per second by format", "timeseries",
                (Query(f"sum by (format) (rate(wirestream_stories_consumed_total[{RATE}]))", "{{format}}"),),
                "Stories consumed from the raw topic, by detected input format.", unit="reqps", stacked=True,
            ),
            PanelSpec(
                "Stories out per second by IPTC topic", "timeseries",
                (Query(f"sum by (topic) (rate(wirestream_stories_published_total[{RATE}]))", "{{topic}}"),),
                "Enriched stories published per IPTC Media Topic (a story with two topics counts twice).",
                unit="reqps", stacked=True,
            ),
            PanelSpec(
                "Enriched, withdrawn and dead-lettered per second", "timeseries",
                (
                    Query(f"sum(rate(wirestream_stories_enriched_total[{RATE}]))", "enriched"),
                    Query(f"sum(rate(wirestream_stories_withdrawn_total[{RATE}]))", "withdrawn"),
                    Query(f"sum(rate(wirestream_dead_letters_total[{RATE}]))", "dead letters"),
                ),
                "Outcome of every consumed story.", unit="reqps",
            ),
            PanelSpec(
                "Messages produced per second by Kafka topic", "timeseries",
                (Query(f"sum by (kafka_topic) (rate(wirestream_messages_produced_total[{RATE}]))", "{{kafka_topic}}"),),
                "Records written to each output topic.", unit="reqps", stacked=True,
            ),
        ),
    ),
    (
        "Freshness and latency",
        (
            PanelSpec(
                "Freshness (received to published)", "timeseries",
                _quantiles("wirestream_freshness_seconds", "", (0.5, 0.95, 0.99)),
                "Time from a story's receipt to its publication. Alert: p99 over 5 s for 5 minutes.", unit="s",
            ),
            PanelSpec(
                "Freshness distribution", "heatmap",
                (Query(f"sum by (le) (increase(wirestream_freshness_seconds_bucket[{RATE}]))", "{{le}}"),),
                "Stories per freshness bucket over time.", unit="s",
            ),
            PanelSpec(
                "Stage latency p50", "timeseries",
                _quantiles("wirestream_stage_duration_seconds", "stage", (0.5,), "{{stage}} "),
                "Median seconds per pipeline stage (enrichment stages time whole batches).", unit="s",
            ),
            PanelSpec(
                "Stage latency p99", "timeseries",
                _quantiles("wirestream_stage_duration_seconds", "stage", (0.99,), "{{stage}} "),
                "99th percentile seconds per pipeline stage.", unit="s",
            ),
            PanelSpec(
                "Enrichment batch size", "timeseries",
                (*_quantiles("wirestream_batch_size", "", (0.5, 0.95)), _mean("wirestream_batch_size")),
                "Stories per enrichment batch: small batches under load mean the batch timeout is too short.",
            ),
        ),
    ),
    (
        "Kafka consumer",
        (
            PanelSpec(
                "Consumer lag by partition (messages)", "timeseries",
                (Query("max by (topic, partition) (wirestream_consumer_lag_messages)", "{{topic}}/{{partition}}"),),
                "End offset minus committed offset (every worker reports the group's lag: max, not sum). "
                "Alert: growing for 5 minutes.",
                stacked=True,
            ),
            PanelSpec(
                "Consumer lag by partition (seconds)", "timeseries",
                (Query("max by (topic, partition) (wirestream_consumer_lag_seconds)", "{{topic}}/{{partition}}"),),
                "Age of the oldest unprocessed message (0 when caught up).", unit="s",
            ),
            PanelSpec(
                "Offsets committed per second by partition", "timeseries",
                (Query(
                    f"max by (topic, partition) (rate(wirestream_committed_offset[{RATE}]))", "{{topic}}/{{partition}}"
                ),),
                "Commit progress; flat at zero while lag is above zero is the silent stall (alert).", unit="reqps",
            ),
            PanelSpec(
                "Committed and end offsets", "timeseries",
                (
                    Query("max by (topic, partition) (wirestream_committed_offset)", "committed {{topic}}/{{partition}}"),
                    Query("max by (topic, partition) (wirestream_end_offset)", "end {{topic}}/{{partition}}"),
                ),
                "Raw offsets behind the lag gauges.",
            ),
        ),
    ),
    (
        "Failures",
        (
            PanelSpec(
                "Dead letters per second by reason", "timeseries",
                (Query(f"sum by (reason, stage) (rate(wirestream_dead_letters_total[{RATE}]))", "{{reason}} ({{stage}})"),),
                "Messages sent to the dead-letter topic, by reason code and failing stage.", unit="reqps", stacked=True,
            ),
            PanelSpec(
                "Enrichment errors per second by stage", "timeseries",
                (Query(f"sum by (stage) (rate(wirestream_enrich_errors_total[{RATE}]))", "{{stage}}"),),
                "Stories whose enrichment stage raised (they are dead-lettered as enrich_failed).", unit="reqps",
            ),
        ),
    ),
    (
        "State worker: entity registry and event clusters",
        (
            PanelSpec(
                "Open clusters by language", "timeseries",
                (Query("sum by (language) (wirestream_clusters_open)", "{{language}}"),),
                "Open event clusters held by the state workers (bounded by the window and WIRESTREAM_CLUSTER_MAX_CLUSTERS).",
            ),
            PanelSpec(
                "Cluster assignments and duplicates per second", "timeseries",
                (
                    Query(f"sum by (status) (rate(wirestream_cluster_assignments_total[{RATE}]))", "{{status}}"),
                    Query(f"sum(rate(wirestream_cluster_duplicates_total[{RATE}]))", "near-duplicates"),
                ),
                "Stories assigned to clusters by status (new, joined, duplicate, version, repeat = a re-delivery).",
                unit="reqps",
            ),
            PanelSpec(
                "Clustering time per story", "timeseries",
                _quantiles("wirestream_cluster_duration_seconds", "", (0.5, 0.99)),
                "Seconds per story for features, the duplicate check and the assignment (budget: 5 ms).", unit="s",
            ),
            PanelSpec(
                "Registry updates per second by outcome", "timeseries",
                (Query(f"sum by (outcome) (rate(wirestream_registry_updates_total[{RATE}]))", "{{outcome}}"),),
                "Entity updates merged into the registry; duplicate and stale ones are re-deliveries counted once.",
                unit="reqps", stacked=True,
            ),
            PanelSpec(
                "Table recovery", "timeseries",
                (
                    Query("max(wirestream_table_recovery_in_progress)", "in progress"),
                    Query("max(wirestream_table_recovery_seconds)", "seconds (current or last)"),
                    Query("sum(wirestream_table_recovery_remaining_messages)", "changelog messages left"),
                ),
                "Faust table recovery after a restart or rebalance: stuck above zero is the silent stall (#651, #432).",
            ),
        ),
    ),
    (
        "Content",
        (
            PanelSpec(
                "Entities per story", "timeseries",
                (*_quantiles("wirestream_entities_per_story", "", (0.5, 0.95)), _mean("wirestream_entities_per_story")),
                "Distinct entities kept per enriched story.",
            ),
            PanelSpec(
                "Topics per story", "timeseries",
                (*_quantiles("wirestream_topics_per_story", "", (0.5, 0.95)), _mean("wirestream_topics_per_story")),
                "IPTC topics assigned per enriched story.",
            ),
            PanelSpec(
                "Entity stance by IPTC topic", "bargauge",
                (Query(
                    f"sum by (topic, polarity) (increase(wirestream_entity_stance_total[{RANGE}]))",
                    "{{topic}} {{polarity}}", instant=True,
                ),),
                "Entity stances over the dashboard's time range, by the story's top topic and polarity.",
            ),
            PanelSpec(
                "Story tone by IPTC topic", "bargauge",
                (Query(
                    f"sum by (topic, polarity) (increase(wirestream_story_tone_total[{RANGE}]))",
                    "{{topic}} {{polarity}}", instant=True,
                ),),
                "Story tone over the dashboard's time range, by top topic.",
            ),
        ),
    ),
)


def _target(query: Query, ref_id: str, kind: PanelKind) -> prometheus.Dataquery:
    target = prometheus.Dataquery().expr(query.expr).ref_id(ref_id).datasource(DATASOURCE)
    if query.legend:
        target = target.legend_format(query.legend)
    if query.instant:
        target = target.instant()
    if kind == "table":
        target = target.format(PromQueryFormat.TABLE)
    elif kind == "heatmap":
        target = target.format(PromQueryFormat.HEATMAP)
    return target


def _panel(spec: PanelSpec, panel_id: int) -> PanelBuilder:
    builder: PanelBuilder
    if spec.kind == "timeseries":
        builder = timeseries.Panel().fill_opacity(10)
        if spec.stacked:
            builder = builder.stacking(StackingConfig().mode(StackingMode.NORMAL))
    elif spec.kind == "heatmap":
        builder = heatmap.Panel()
    elif spec.kind == "table":
        builder = table.Panel()
    elif spec.kind == "bargauge":
        builder = bargauge.Panel()
    else:
        builder = stat.Panel()
    builder = (
        builder.id(panel_id).title(spec.title).description(spec.description).datasource(DATASOURCE)
        .unit(spec.unit).span(spec.width).height(8)
    )
    for index, query in enumerate(spec.queries):
        builder = builder.with_target(_target(query, chr(ord("A") + index), spec.kind))
    return builder


def build_dashboard() -> dashboard.Dashboard:
    """The wirestream dashboard builder; panel ids are assigned in order, so they are stable."""
    board = (
        dashboard.Dashboard("wirestream")
        .uid("wirestream")
        .description("Throughput, freshness, consumer lag, failures and content of the wirestream workers.")
        .tags(["wirestream", "kafka"])
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("utc")
        .tooltip(DashboardCursorSync.CROSSHAIR)
    )
    panel_id = 0
    for row_title, specs in ROWS:
        panel_id += 1
        board = board.with_row(dashboard.Row(row_title).id(panel_id))
        for spec in specs:
            panel_id += 1
            board = board.with_panel(_panel(spec, panel_id))
    return board


def render() -> str:
    """The dashboard JSON exactly as committed."""
    return json.dumps(build_dashboard().build(), cls=JSONEncoder, sort_keys=True, indent=2) + "\n"


def panel_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL as written in the dashboard, Grafana macros included) for every target."""
    return [(spec.title, query.expr) for _, specs in ROWS for spec in specs for query in spec.queries]


def for_prometheus(expr: str, *, rate_interval: str = "1m", range_: str = "5m") -> str:
    """``expr`` with Grafana's ``$__rate_interval``/``$__range`` replaced, for Prometheus' HTTP API."""
    return expr.replace(RATE, rate_interval).replace(RANGE, range_)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.grafana.build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed JSON is stale; write nothing")
    parser.add_argument("--out", type=Path, default=DASHBOARD_PATH)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run `python -m deploy.grafana.build`", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(panel_queries())} queries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
