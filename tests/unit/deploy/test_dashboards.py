"""The committed Grafana dashboard is exactly what deploy/grafana/build.py generates, and is coherent."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

GRAFANA_DIR = Path(__file__).resolve().parents[3] / "deploy" / "grafana"


def _load_build() -> ModuleType:
    """deploy/ is not an installed package: load build.py by path so any pytest invocation finds it."""
    spec = importlib.util.spec_from_file_location("wirestream_dashboard_build", GRAFANA_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build()
METRIC = re.compile(r"\b(wirestream_[a-z_]+?)(?:_bucket|_sum|_count)?\b")
TEAM_METRICS = {
    "wirestream_build_info", "wirestream_model_info", "wirestream_stories_consumed_total",
    "wirestream_stories_published_total", "wirestream_stories_enriched_total", "wirestream_stories_withdrawn_total",
    "wirestream_messages_produced_total", "wirestream_dead_letters_total", "wirestream_enrich_errors_total",
    "wirestream_stage_duration_seconds", "wirestream_batch_size", "wirestream_freshness_seconds",
    "wirestream_consumer_lag_messages", "wirestream_consumer_lag_seconds", "wirestream_committed_offset",
    "wirestream_end_offset", "wirestream_entities_per_story", "wirestream_topics_per_story",
    "wirestream_entity_stance_total", "wirestream_story_tone_total", "wirestream_in_flight_stories",
    # the state worker (issues 11 and 15)
    "wirestream_clusters_open", "wirestream_cluster_assignments_total", "wirestream_cluster_duplicates_total",
    "wirestream_cluster_duration_seconds", "wirestream_registry_updates_total", "wirestream_table_recovery_in_progress",
    "wirestream_table_recovery_seconds", "wirestream_table_recovery_remaining_messages",
}


def test_committed_json_is_regenerated_byte_identically() -> None:
    committed = build.DASHBOARD_PATH.read_bytes()
    assert build.render().encode("utf-8") == committed, "stale dashboard: run `python -m deploy.grafana.build`"
    assert build.render() == build.render()
    assert committed.endswith(b"}\n")


def test_check_flag_detects_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "wirestream.json"
    stale.write_text(build.render().replace('"wirestream"', '"old"', 1), encoding="utf-8")
    assert build.main(["--check", "--out", str(stale)]) == 1
    assert build.main(["--out", str(stale)]) == 0
    assert build.main(["--check", "--out", str(stale)]) == 0


def test_panels_have_unique_ids_and_use_the_provisioned_datasource() -> None:
    board = json.loads(build.DASHBOARD_PATH.read_text(encoding="utf-8"))
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)) and 0 not in ids
    provisioned = (GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == build.DATASOURCE.uid
        assert panel["targets"], panel["title"]
    assert f"uid: {build.DATASOURCE.uid}" in provisioned


def test_panel_queries_match_the_json_and_cover_the_issue() -> None:
    board = json.loads(build.DASHBOARD_PATH.read_text(encoding="utf-8"))
    in_json = [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]
    queries = build.panel_queries()
    assert [expr for _, expr in queries] == in_json
    used = {match.group(1) for _, expr in queries for match in METRIC.finditer(expr)}
    assert used == TEAM_METRICS, f"unknown: {used - TEAM_METRICS}, not shown: {TEAM_METRICS - used}"
    titles = " | ".join(title for title, _ in queries).lower()
    for needed in ("stories in", "stories out", "freshness", "lag by partition", "dead letters", "stage latency",
                   "entities per story", "topics per story", "stance", "open clusters", "duplicates per second",
                   "table recovery"):
        assert needed in titles, needed


def test_for_prometheus_replaces_grafana_macros() -> None:
    for _, expr in build.panel_queries():
        sent = build.for_prometheus(expr)
        assert "$" not in sent, sent
